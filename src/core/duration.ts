const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const
const DURATION = /^(\d+(?:\.\d+)?)\s*([smh])$/

/** The longest single duration accepted: a GitHub-hosted job cannot run longer than 6 h anyway. */
export const MAX_DURATION_MS = 72 * 3_600_000

/** Parses `90s`, `5m`, `1.5h`. Returns undefined for anything else (the caller names the input). */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim())
  if (!match) return undefined
  const [, amount, unit] = match as unknown as [string, string, keyof typeof UNIT_MS]
  const ms = Math.round(Number(amount) * UNIT_MS[unit])
  if (!Number.isFinite(ms) || ms > MAX_DURATION_MS) return undefined
  return ms
}

export function formatDuration(ms: number): string {
  if (ms === 0) return '0s'
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms % 1_000 === 0) return `${ms / 1_000}s`
  return `${(ms / 1_000).toFixed(1)}s`
}
