/**
 * npm run docs: regenerates what the README and workflow files derive from the repository's
 * own metadata, so a test can insist they agree:
 * - the inputs and outputs tables in README.md, from action.yml, and its table of contents;
 * - every `uses:` of this action or its reusable workflow, from package.json (see docs/action-ref.ts).
 * `npm run docs -- --check` changes nothing and exits 1 when a file is out of date.
 */
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fixUses, publishedAction } from './docs/action-ref.js'
import { withTables, withToc } from './docs/readme-tables.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** Files that may name the published action: the docs and every workflow shipped for users. */
export function filesNamingTheAction(root: string): string[] {
  const yaml = (dir: string): string[] =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir))
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
          .map((f) => `${dir}/${f}`)
      : []
  const docs = ['README.md', 'CONTRIBUTING.md', 'examples/README.md'].filter((f) => existsSync(join(root, f)))
  return [...docs, ...yaml('examples'), ...yaml('workflow-templates'), ...yaml('.github/workflows')]
}

/** Each file's regenerated text, keyed by its path relative to the root. */
export function generate(root: string): Map<string, { before: string; after: string }> {
  const published = publishedAction(root)
  const actionYml = readFileSync(join(root, 'action.yml'), 'utf8')
  const out = new Map<string, { before: string; after: string }>()
  for (const rel of filesNamingTheAction(root)) {
    const before = readFileSync(join(root, rel), 'utf8')
    let after = fixUses(before, published)
    if (rel === 'README.md') after = withToc(withTables(after, actionYml))
    out.set(rel, { before, after })
  }
  return out
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check')
  const stale: string[] = []
  for (const [rel, { before, after }] of generate(ROOT)) {
    if (before === after) continue
    stale.push(rel)
    if (!check) writeFileSync(join(ROOT, rel), after)
  }
  if (check && stale.length > 0) {
    console.error(`Out of date (run npm run docs): ${stale.join(', ')}`)
    process.exitCode = 1
  } else {
    console.log(stale.length === 0 ? 'Docs are up to date.' : `Updated ${stale.join(', ')}.`)
  }
}
