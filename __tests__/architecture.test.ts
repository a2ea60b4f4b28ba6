// Issue 21: dependencies point down. Every import in src/ (static, dynamic, `export … from`) is read
// from the source and checked against the layers the design names; a new arrow upwards fails here.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = resolve(import.meta.dirname, '../src')

/** What each folder may import from src/; a folder not listed is a mode (or the edge) and may import the layers below. */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  aws: ['core'],
  // gates/ is left out for now: gates/analysis/setup.ts still builds the analysis's summary figures (report/).
  report: ['core', 'aws', 'gates'],
}
/** The only folder that speaks the runner protocol. */
const EDGE = 'action'

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return /\.(ts|js)$/.test(entry.name) ? [path] : []
  })
}

/** Every module specifier a file names: `import … from`, `export … from`, `import '…'` and `import('…')`. */
function specifiers(text: string): string[] {
  const found: string[] = []
  for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) if (match[1]) found.push(match[1])
  return found
}

/** The top folder of src/ a specifier lands in ('' for src/index.ts), or undefined for a package. */
function folderOf(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined
  return relative(SRC, resolve(dirname(file), specifier)).split('/')[0]
}

const files = sources(SRC).map((file) => ({ file, folder: relative(SRC, file).split('/')[0] ?? '', imports: specifiers(readFileSync(file, 'utf8')) }))

describe('dependency direction (issue 21)', () => {
  it('finds the imports it checks (the scan itself works)', () => {
    const engine = files.find(({ file }) => file.endsWith('core/engine.ts'))
    expect(engine?.imports.length).toBeGreaterThan(0)
    expect(specifiers("import { a } from './a.js'\nexport { b } from '../b.js'\nconst c = await import('../c/c.js')")).toEqual([
      './a.js',
      '../b.js',
      '../c/c.js',
    ])
  })

  it.each(Object.entries(ALLOWED))('src/%s imports only from the layers below it', (folder, allowed) => {
    const upward = files
      .filter((f) => f.folder === folder)
      .flatMap(({ file, imports }) =>
        imports
          .filter((s) => {
            const target = folderOf(file, s)
            return target !== undefined && target !== folder && !allowed.includes(target)
          })
          .map((s) => `${relative(SRC, file)} → ${s}`),
      )
    expect(upward).toEqual([])
  })

  it('@actions/core is imported only at the edge (src/action/), and nothing imports the edge', () => {
    const toolkit = files.filter(({ folder, imports }) => folder !== EDGE && imports.some((s) => s === '@actions/core' || s.startsWith('@actions/core/')))
    expect(toolkit.map(({ file }) => relative(SRC, file))).toEqual([])
    const intoEdge = files.filter(({ file, folder, imports }) => folder !== EDGE && folder !== 'index.ts' && imports.some((s) => folderOf(file, s) === EDGE))
    expect(intoEdge.map(({ file }) => relative(SRC, file))).toEqual([])
  })

  it('no module speaks the runner protocol by hand (runner-protocol.ts is gone)', () => {
    expect(files.filter(({ file, imports }) => file.includes('runner-protocol') || imports.some((s) => s.includes('runner-protocol')))).toEqual([])
  })
})
