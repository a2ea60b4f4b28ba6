// npm run bundle: one ncc bundle for both steps, plus the thin post-step entry.
// Usage: node scripts/bundle.mjs [outDir] [entry]  (default dist/ and src/index.ts; the freshness test
// builds elsewhere, and the benchmark builds its SDK-only baseline, scripts/bench/sdk-floor.ts, the same way)
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = resolve(root, process.argv[2] ?? 'dist')
const entry = resolve(root, process.argv[3] ?? 'src/index.ts')
// ncc names lazy chunks by number and never deletes old ones: start from an empty directory.
rmSync(out, { recursive: true, force: true })
// ncc's API rather than its CLI, for one option the CLI lacks: mainFields. ncc resolves packages by
// "main" alone, which gives the AWS SDK's CommonJS build: every command of every client, and every
// credential provider, in the chunk that loads before the first request. The SDK's "module" build
// (ES modules, "sideEffects": false) lets webpack drop the commands we never send and keeps the
// credential providers we do not reach (SSO, INI, IMDS...) in chunks of their own. About 20 ms less
// before the first AWS request (BENCHMARKS.md, "pacing").
// transpileOnly: the type check is `npm run typecheck`'s job, and doing it again here took 16 s.
const ncc = createRequire(import.meta.url)('@vercel/ncc')
const built = await ncc(entry, {
  minify: true,
  transpileOnly: true,
  target: 'es2022',
  license: 'licenses.txt',
  quiet: true,
  mainFields: ['module', 'main'],
  filterAssetBase: root,
})
mkdirSync(out, { recursive: true })
writeFileSync(join(out, 'index.js'), built.code)
for (const [name, asset] of Object.entries(built.assets)) writeFileSync(join(out, name), asset.source, { mode: asset.permissions })

// ncc minifies only the entry file; the lazily loaded chunks ship as written. Minify them in
// parallel worker threads (one per core): done one after another they took most of a minute.
const chunks = readdirSync(out).filter((name) => /^\d+\.index\.js$/.test(name))
const workers = Math.max(1, Math.min(availableParallelism(), chunks.length))
const queue = [...chunks]
await Promise.all(
  Array.from({ length: workers }, async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const worker = new Worker(new URL('./minify-chunk.mjs', import.meta.url), { workerData: join(out, file) })
      await new Promise((resolveDone, reject) => {
        worker.once('error', reject)
        worker.once('exit', (code) => (code === 0 ? resolveDone() : reject(new Error(`minifying ${file} exited ${code}`))))
      })
    }
  }),
)
copyFileSync(join(root, 'src/entry/post.js'), join(out, 'post.js'))
writeFileSync(join(out, 'licenses.txt'), compactLicenses(readFileSync(join(out, 'licenses.txt'), 'utf8')))

/**
 * ncc writes every bundled package's license in full, and most of them (the AWS SDK's) are the
 * same Apache-2.0 text. Keep each distinct text once, under the list of packages that ship it.
 */
function compactLicenses(nccLicenses) {
  const lines = nccLicenses.split('\n')
  const packages = lines.filter((line, i) => existsSync(join(root, 'node_modules', line, 'package.json')) && /^[\w.() -]+$/.test(lines[i + 1] ?? ''))
  const byText = new Map()
  for (const name of [...new Set(packages)].sort()) {
    const dir = join(root, 'node_modules', name)
    const spdx = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).license ?? 'UNKNOWN'
    const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f))
    const text = file ? readFileSync(join(dir, file), 'utf8').trim() : `(no license file; package.json says ${spdx})`
    const group = byText.get(text) ?? { spdx, names: [] }
    group.names.push(name)
    byText.set(text, group)
  }
  const sections = [...byText.entries()].map(([text, { spdx, names }]) => `== ${spdx}: ${names.join(', ')}\n\n${text}\n`)
  return `Third-party packages bundled in this directory, grouped by license text.\n\n${sections.join('\n')}`
}
