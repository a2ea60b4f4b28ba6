// The README and the shipped workflows agree with the repository's own metadata: the inputs and
// outputs tables with action.yml, and every `uses:` of this action with the one published name.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { filesNamingTheAction, generate } from '../scripts/docs.js'
import { fixUses, publishedAction, usesRefs } from '../scripts/docs/action-ref.js'
import { anchors, inputsTable, outputsTable } from '../scripts/docs/readme-tables.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const read = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8')
const published = publishedAction(ROOT)

describe('README inputs and outputs tables', () => {
  it('are what `npm run docs` generates from action.yml', () => {
    const readme = generate(ROOT).get('README.md')
    expect(readme, 'README.md is checked').toBeDefined()
    // On failure: run `npm run docs` and commit README.md.
    expect(readme?.before).toBe(readme?.after)
  })

  it('list every input and output action.yml declares, in its order', () => {
    const yml = read('action.yml')
    const doc = parse(yml) as { inputs: Record<string, unknown>; outputs: Record<string, unknown> }
    const names = (table: string): string[] => [...table.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1] ?? '')
    expect(names(inputsTable(yml))).toEqual(Object.keys(doc.inputs))
    expect(names(outputsTable(yml))).toEqual(Object.keys(doc.outputs))
  })

  it('fail when action.yml changes and the README does not', () => {
    const yml = read('action.yml').replace('The alias that receives traffic', 'The alias that takes traffic')
    expect(inputsTable(yml)).not.toBe(inputsTable(read('action.yml')))
  })

  it("action.yml's result description names every result", () => {
    const doc = parse(read('action.yml')) as { outputs: { result: { description: string } } }
    for (const result of ['promoted', 'held', 'rolled-back', 'refused', 'failed', 'planned']) {
      expect(doc.outputs.result.description).toContain(`\`${result}\``)
    }
  })
})

describe('one name for the published action', () => {
  it('is defined by package.json (repository and major version)', () => {
    const pkg = JSON.parse(read('package.json')) as { version: string }
    expect(published.action).toBe(`${published.repo}@v${pkg.version.split('.')[0]}`)
    expect(published.reusable).toBe(`${published.repo}/.github/workflows/canary-release.yml@${published.ref}`)
  })

  it.each(filesNamingTheAction(ROOT))('%s names it exactly so in every `uses:`', (rel) => {
    const wrong = usesRefs(read(rel), published)
      .filter((u) => u.expected !== undefined && u.value !== u.expected)
      .map((u) => `${rel}:${u.line}: ${u.value} (expected ${u.expected}; run npm run docs)`)
    expect(wrong).toEqual([])
  })

  it('is used by the README, every example, template and the reusable workflow', () => {
    for (const rel of filesNamingTheAction(ROOT).filter((f) => !/ci\.yml$|release\.yml$|CONTRIBUTING|examples\/README/.test(f))) {
      expect(
        usesRefs(read(rel), published).filter((u) => u.expected !== undefined),
        rel,
      ).not.toEqual([])
    }
  })

  it('flags a wrong owner, a wrong ref and a wrong reusable-workflow ref, and leaves other actions alone', () => {
    const text = [
      '      - uses: actions/checkout@v4',
      '      - uses: your-org/aws-canary-release-action@v9',
      `      - uses: someone/aws-canary-release-action@${published.ref}`,
      "    uses: 'your-org/aws-canary-release-action/.github/workflows/canary-release.yml@main'",
      '      - uses: ./',
      `      - uses: ${published.action}`,
    ].join('\n')
    const flagged = usesRefs(text, published).filter((u) => u.expected !== undefined && u.value !== u.expected)
    expect(flagged.map((u) => u.line)).toEqual([2, 3, 4])
    expect(usesRefs(fixUses(text, published), published).filter((u) => u.expected !== undefined && u.value !== u.expected)).toEqual([])
  })

  it('follows a fork: change package.json repository, run npm run docs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fork-'))
    const pkg = JSON.parse(read('package.json')) as Record<string, unknown>
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, repository: { type: 'git', url: 'git+https://github.com/acme/canary.git' } }))
    const fork = publishedAction(dir)
    expect(fork.action).toBe(`acme/canary@${published.ref}`)
    expect(fixUses(`      - uses: ${published.action}\n`, fork)).toBe(`      - uses: acme/canary@${published.ref}\n`)
  })
})

/** Every `run:` script in a parsed workflow or README snippet. */
function runScripts(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) runScripts(item, out)
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'run' && typeof value === 'string') out.push(value)
      else runScripts(value, out)
    }
  }
  return out
}

/** The YAML snippets of a Markdown file, dedented so that each parses. */
function yamlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m) => {
    const lines = (m[1] ?? '').split('\n')
    const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0))
    return lines.map((l) => l.slice(indent)).join('\n')
  })
}

describe('outputs reach shell scripts through env, never as expressions inside run:', () => {
  it.each(filesNamingTheAction(ROOT))('%s', (rel) => {
    const docs = rel.endsWith('.md') ? yamlBlocks(read(rel)).map((block) => parse(block) as unknown) : [parse(read(rel)) as unknown]
    const unsafe = docs.flatMap((doc) => runScripts(doc)).filter((script) => /\$\{\{\s*(steps|needs)\./.test(script))
    expect(unsafe).toEqual([])
  })
})

describe('README links', () => {
  it('every #anchor link points at a heading (tables generated from action.yml included)', () => {
    const readme = read('README.md')
    const headings = readme
      .replace(/```[\s\S]*?```/g, '')
      .split('\n')
      .flatMap((line) => /^#{1,6} (.+)$/.exec(line)?.[1] ?? [])
    const known = new Set(anchors(headings))
    const links = [...readme.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1] ?? '')
    expect(links.length).toBeGreaterThan(10)
    expect(links.filter((l) => !known.has(l))).toEqual([])
  })

  it('has a table of contents listing every section', () => {
    const readme = read('README.md')
    for (const heading of [
      'Quick start',
      'Troubleshooting',
      'Running it locally',
      'OIDC trust policy for the role',
      'Several functions',
      'Versions and pinning',
    ]) {
      expect(readme).toContain(`- [${heading}](#`)
    }
  })
})

describe('README examples read only outputs the action declares', () => {
  it('every steps.<id>.outputs.<name> of the action in the README is in action.yml', () => {
    const declared = Object.keys((parse(read('action.yml')) as { outputs: Record<string, unknown> }).outputs)
    const used = [...read('README.md').matchAll(/steps\.canary\.outputs\.([\w-]+)/g)].map((m) => m[1] ?? '')
    expect(used).toContain('reason')
    expect(used.filter((name) => !declared.includes(name))).toEqual([])
  })
})
