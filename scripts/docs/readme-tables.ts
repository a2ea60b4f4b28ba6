/**
 * The README's inputs and outputs tables, generated from action.yml so that the two cannot drift:
 * `npm run docs` rewrites them between their markers, and a test fails when they differ.
 */
import { parse } from 'yaml'

interface Declared {
  readonly description?: string
  readonly default?: unknown
  readonly required?: boolean
}

/** The markers around a generated table; the text between them belongs to the script. */
export const MARKERS = {
  inputs: ['<!-- inputs: generated from action.yml by `npm run docs`; edit action.yml, not this table -->', '<!-- end of inputs -->'],
  outputs: ['<!-- outputs: generated from action.yml by `npm run docs`; edit action.yml, not this table -->', '<!-- end of outputs -->'],
} as const

/** Table cells hold one line, and a pipe would end the cell. */
function cell(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .trim()
}

function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``
}

function defaultCell(def: Declared): string {
  if (def.required) return '(required)'
  if (def.default === undefined || def.default === null || def.default === '') return ''
  return code(String(def.default))
}

export function inputsTable(actionYml: string): string {
  const inputs = (parse(actionYml) as { inputs?: Record<string, Declared | null> }).inputs ?? {}
  const rows = Object.entries(inputs).map(([name, def]) => `| ${code(name)} | ${defaultCell(def ?? {})} | ${cell(def?.description ?? '')} |`)
  return ['| Input | Default | Description |', '|---|---|---|', ...rows].join('\n')
}

export function outputsTable(actionYml: string): string {
  const outputs = (parse(actionYml) as { outputs?: Record<string, Declared | null> }).outputs ?? {}
  const rows = Object.entries(outputs).map(([name, def]) => `| ${code(name)} | ${cell(def?.description ?? '')} |`)
  return ['| Output | Description |', '|---|---|', ...rows].join('\n')
}

/** The README with both tables regenerated; throws if a marker is missing. */
export function withTables(readme: string, actionYml: string): string {
  let text = readme
  for (const [kind, table] of [
    ['inputs', inputsTable(actionYml)],
    ['outputs', outputsTable(actionYml)],
  ] as const) {
    const [start, end] = MARKERS[kind]
    const from = text.indexOf(start)
    const to = text.indexOf(end, from)
    if (from < 0 || to < 0) throw new Error(`README.md has no ${kind} table markers (${start} ... ${end})`)
    text = `${text.slice(0, from + start.length)}\n${table}\n${text.slice(to)}`
  }
  return text
}

export const TOC_MARKERS = ['<!-- contents: generated from the headings by `npm run docs` -->', '<!-- end of contents -->'] as const

/** GitHub's heading anchors: lower case, punctuation dropped (not - or _), spaces to hyphens, repeats numbered. */
export function anchors(headings: readonly string[]): string[] {
  const seen = new Map<string, number>()
  return headings.map((heading) => {
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-')
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    return count === 0 ? base : `${base}-${count}`
  })
}

/** The README with its table of contents regenerated from its ## and ### headings (outside code blocks). */
export function withToc(readme: string): string {
  const [start, end] = TOC_MARKERS
  const from = readme.indexOf(start)
  const to = readme.indexOf(end, from)
  if (from < 0 || to < 0) throw new Error(`README.md has no contents markers (${start} ... ${end})`)
  const headings: { level: number; text: string }[] = []
  let fenced = false
  for (const line of readme.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced
    const m = fenced ? null : /^(#{1,3}) (.+)$/.exec(line)
    if (m) headings.push({ level: m[1]?.length ?? 1, text: m[2] ?? '' })
  }
  // Anchors count every heading (the title too), as GitHub numbers repeats document-wide.
  const slugs = anchors(headings.map((h) => h.text))
  const entries = headings
    .map((h, i) => ({ ...h, slug: slugs[i] ?? '' }))
    .filter((h) => h.level > 1 && h.text !== 'Contents')
    .map((h) => `${h.level === 3 ? '  ' : ''}- [${h.text.replace(/`/g, '')}](#${h.slug})`)
  return `${readme.slice(0, from + start.length)}\n${entries.join('\n')}\n${readme.slice(to)}`
}
