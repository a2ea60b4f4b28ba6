/**
 * Shared plumbing for the reliability suite: an emulator per scenario (so seeded faults and call
 * logs belong to one run), the bundled dist/index.js run exactly like the runner runs it, alias
 * history checks against the rollout plan, and a recorder for the measured figures that
 * RELIABILITY.md reports (.tmp/reliability.json).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import type { AliasHistoryEntry } from '../../emulator/lambda/lambda.js'
import { describeRun, REPO_ROOT, runAction, type ActionRun, type RunOptions } from '../e2e/runner.js'

export { describeRun }

export const ALIAS = 'live'

/** A function with versions 1..3 and alias `live` on `version` (optionally weighted). */
export function seedFunction(emulator: Emulator, fn: string, version = '1', weights: Record<string, number> = {}): void {
  emulator.seedFunction(fn, { versions: 3 })
  emulator.seedAlias(fn, ALIAS, version, weights)
}

export function routing(emulator: Emulator, fn: string): { version: string; weights: Record<string, number> } {
  const alias = emulator.state.lambda.getFunction(fn).aliases.get(ALIAS)
  if (!alias) throw new Error(`no alias ${ALIAS} on ${fn}`)
  return { version: alias.functionVersion, weights: { ...alias.weights } }
}

export function history(emulator: Emulator, fn: string): AliasHistoryEntry[] {
  return emulator.aliasHistory().filter((entry) => entry.function === fn && entry.alias === ALIAS)
}

/** Alias writes made through the API (the action signs its requests); seeding has accessKeyId null. */
export function actionWrites(emulator: Emulator, fn: string): AliasHistoryEntry[] {
  return history(emulator, fn).filter((entry) => entry.accessKeyId !== null)
}

export async function withEmulator<T>(seed: number, body: (emulator: Emulator) => Promise<T>): Promise<T> {
  const emulator = await startEmulator({ seed })
  try {
    return await body(emulator)
  } finally {
    await emulator.close()
  }
}

/** Runs dist/index.js against `emulator` with 1 s polls and metrics taken as they arrive (metrics-delay 0s), like the e2e scenarios do. */
export function runOn(emulator: Emulator, inputs: Record<string, string>, extra: Partial<RunOptions> = {}): Promise<ActionRun> {
  const { env, ...rest } = extra
  return runAction({
    inputs: { 'poll-interval': '1s', 'metrics-delay': '0s', ...inputs },
    env: { AWS_ENDPOINT_URL: emulator.url, ...(env ?? {}) },
    timeoutMs: 60_000,
    ...rest,
  })
}

export async function waitUntil(predicate: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export interface Plan {
  readonly stable: string
  readonly target: string
  /** Stage weights in percent, in order (a final 100 means promote). */
  readonly weights: readonly number[]
}

export type RoutingKind = 'stable' | 'canary' | 'promoted'

/** What an alias routing is with respect to the plan, or undefined when the plan never asks for it. */
export function classify(entry: { functionVersion: string; weights: Record<string, number> }, plan: Plan): RoutingKind | undefined {
  const extra = Object.entries(entry.weights)
  if (extra.length === 0) {
    if (entry.functionVersion === plan.stable) return 'stable'
    if (entry.functionVersion === plan.target) return 'promoted'
    return undefined
  }
  if (extra.length !== 1 || entry.functionVersion !== plan.stable) return undefined
  const [version, fraction] = extra[0] as [string, number]
  if (version !== plan.target) return undefined
  const planned = plan.weights.filter((w) => w < 100).some((w) => Math.abs(w / 100 - fraction) < 1e-9)
  return planned ? 'canary' : undefined
}

/** Every routing the alias ever had that the plan does not allow (should be empty). */
export function offPlan(entries: readonly AliasHistoryEntry[], plan: Plan): AliasHistoryEntry[] {
  return entries.filter((entry) => entry.action === 'delete' || classify(entry, plan) === undefined)
}

export function describeHistory(entries: readonly AliasHistoryEntry[]): string {
  return entries
    .map((e) => `${new Date(e.at).toISOString().slice(11, 23)} ${e.action} ${e.functionVersion} ${JSON.stringify(e.weights)} by ${e.accessKeyId ?? 'seed'}`)
    .join('\n')
}

/**
 * A write that moves traffic further onto the target (a higher canary weight, or the promote)
 * must come at least one bake after the previous step's write: otherwise a stage was skipped
 * without its evidence. Returns the offending pairs.
 */
export function prematureSteps(entries: readonly AliasHistoryEntry[], plan: Plan, bakeMs: number): string[] {
  const bad: string[] = []
  const level = (e: AliasHistoryEntry): number => {
    const kind = classify(e, plan)
    if (kind === 'promoted') return 100
    if (kind === 'canary') return (Object.values(e.weights)[0] ?? 0) * 100
    return 0
  }
  for (let i = 1; i < entries.length; i++) {
    const previous = entries[i - 1] as AliasHistoryEntry
    const current = entries[i] as AliasHistoryEntry
    const from = level(previous)
    const to = level(current)
    if (from > 0 && to > from && current.at - previous.at < bakeMs) {
      bad.push(`${from}% → ${to}% after ${current.at - previous.at} ms (bake ${bakeMs} ms)`)
    }
  }
  return bad
}

/** Runs `tasks` with at most `limit` in flight. */
export async function pool<T>(limit: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++
      results[index] = await (tasks[index] as () => Promise<T>)()
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker))
  return results
}

// ---------------------------------------------------------------------------------------------
// Measured figures, written to .tmp/reliability.json for RELIABILITY.md

const TMP = join(REPO_ROOT, '.tmp')
const PARTS = join(TMP, 'reliability-parts')

export class Figures {
  private readonly data: Record<string, unknown> = {}
  constructor(private readonly file: string) {}

  set(key: string, value: unknown): void {
    this.data[key] = value
  }

  push(key: string, value: unknown): void {
    const list = (this.data[key] ??= []) as unknown[]
    list.push(value)
  }

  /** Writes this file's part and re-merges every part into .tmp/reliability.json. */
  flush(): void {
    mkdirSync(PARTS, { recursive: true })
    writeFileSync(join(PARTS, `${this.file}.json`), JSON.stringify({ writtenAt: new Date().toISOString(), ...this.data }, null, 2))
    const merged: Record<string, unknown> = {}
    for (const name of readdirSync(PARTS).sort()) {
      if (!name.endsWith('.json')) continue
      try {
        merged[name.replace(/\.json$/, '')] = JSON.parse(readFileSync(join(PARTS, name), 'utf8'))
      } catch {
        // a part being written by the other worker right now: the next flush picks it up
      }
    }
    writeFileSync(join(TMP, 'reliability.json'), JSON.stringify(merged, null, 2))
  }
}

/** Short digest of a run for figures. */
export function brief(run: ActionRun): Record<string, unknown> {
  return { exit: run.exitCode, signal: run.signal, result: run.outputs['result'] ?? null, ms: run.durationMs }
}

// ---------------------------------------------------------------------------------------------
// Signals at a point in the action's own timeline (not the spawn's: on a loaded machine Node can
// take a second to load the bundle, which would push every "random point" before the rollout).

/** The pid of the process whose environment carries RELIABILITY_TAG=tag (Linux /proc). */
function pidByTag(tag: string): number | undefined {
  const needle = `RELIABILITY_TAG=${tag}\0`
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(needle)) return Number(entry)
    } catch {
      // gone, or not ours
    }
  }
  return undefined
}

export interface SignalledRun {
  run: ActionRun
  /** Wall time the signal was sent; undefined when the run had already ended. */
  signalAt: number | undefined
  /** Wall time the process exited. */
  exitedAt: number
}

/**
 * Runs the action and sends `signal` `delayMs` after its first line of output (by then main has
 * saved its state and installed its signal handlers).
 */
export async function runWithSignal(emulator: Emulator, inputs: Record<string, string>, signal: NodeJS.Signals, delayMs: number): Promise<SignalledRun> {
  const tag = `${process.pid}-${Math.random().toString(36).slice(2)}`
  let markStarted: () => void = () => {}
  const started = new Promise<void>((resolve) => (markStarted = resolve))
  let ended = false
  let exitedAt = 0
  const running = runOn(emulator, inputs, {
    env: { RELIABILITY_TAG: tag },
    // Never fires: only notices the first output.
    signalAfter: { when: (out) => (out.length > 0 && markStarted(), false), signal: 'SIGINT' },
  }).finally(() => {
    ended = true
    exitedAt = Date.now()
  })
  await Promise.race([started, running])
  const pid = ended ? undefined : pidByTag(tag)
  await sleep(delayMs)
  let signalAt: number | undefined
  if (pid !== undefined && !ended) {
    try {
      signalAt = Date.now()
      process.kill(pid, signal)
    } catch {
      signalAt = undefined
    }
  }
  const run = await running
  return { run, signalAt, exitedAt }
}
