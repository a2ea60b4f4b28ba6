// Small helpers for scripts/bench.ts: statistics, formatting and tables.

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  const hi = s[mid] ?? Number.NaN
  if (s.length % 2 === 1) return hi
  const lo = s[mid - 1] ?? Number.NaN
  return (lo + hi) / 2
}

export function max(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : Math.max(...xs)
}

export function min(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : Math.min(...xs)
}

/** Milliseconds, rounded to whole ms (or one decimal below 10 ms). */
export function ms(v: number): string {
  if (!Number.isFinite(v)) return 'n/a'
  return Math.abs(v) < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`
}

export function bytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(2)} MiB`
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${n} B`
}

export function num(v: number, digits = 2): string {
  if (!Number.isFinite(v)) return 'n/a'
  return Number.isInteger(v) ? String(v) : v.toFixed(digits)
}

export const sleep = (msec: number): Promise<void> => new Promise((r) => setTimeout(r, msec))

/** A Markdown table; cells have their pipes escaped. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')
  const line = (cells: readonly string[]): string => `| ${cells.map(esc).join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

/** A plain-text table for the terminal, columns padded to width. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}
