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
