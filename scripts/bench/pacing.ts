/**
 * Section `pacing` of `npm run bench` (issue 11, items 16-17): the action's own overhead on the
 * emulator once the process is up, the Lambda writes and reads it spends per stage, and how soon
 * after spawn the first AWS request goes out compared with a bare `node -e 0`.
 *
 * Every run rolls out `PACING_STAGES` (1 s bakes, 1 s polls) against a fresh in-process emulator.
 * Times are the emulator's receive times, so "first request → last request" leaves out process start
 * and exit; the bakes are subtracted from it.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator } from '../../emulator/server.js'
import { actionNode, REPO_ROOT, runAction } from '../../__tests__/e2e/runner.js'
import { markdownTable, max, median, ms, num } from './stats.js'

export const PACING_STAGES = '10%:1s, 50%:1s, 100%:1s'
const STAGES = 3
const BAKE_MS = 3_000
const RUNS = 3
/** Start-up runs (a one-stage promote each), each next to a `node -e 0`, alternating which goes first. */
const FIRST_RUNS = 21
const FLEET = 3
const ALARM = 'bench-pacing-alarm'

export interface PacingSample {
  readonly functions: number
  /** First AWS request → last AWS request, minus the bakes. */
  readonly overheadMs: number
  /** Spawn → first AWS request. */
  readonly firstRequestMs: number
  readonly writes: number
  /** GetAlias / GetFunctionConfiguration received between the first and the last UpdateAlias. */
  readonly readsBetweenWrites: number
  readonly lambdaCalls: number
  readonly throttled: number
}

export interface PacingResult {
  readonly samples: PacingSample[]
  /** Spawn → first AWS request of a one-stage rollout, FIRST_RUNS times. */
  readonly firstMs: number[]
  /** The same for the SDK-only baseline (sdk-floor.ts), one next to each of those. */
  readonly floorMs: number[]
  /** `node -e 0` wall times with the action's node binary, one next to each of those. */
  readonly bareMs: number[]
  /** With `--compare=DIR`: the same for that build, one next to each of those. */
  readonly compareMs?: number[]
}

/** Builds the SDK-only baseline with the action's own bundle script, into a temp dir; returns its entry. */
function buildSdkFloor(): string {
  const out = mkdtempSync(join(tmpdir(), 'canary-bench-floor-'))
  const built = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/bundle.mjs'), out, 'scripts/bench/sdk-floor.ts'], { cwd: REPO_ROOT, encoding: 'utf8' })
  if (built.status !== 0) throw new Error(`pacing: building the SDK-only baseline failed:\n${built.stderr}`)
  return join(out, 'index.js')
}

function bareNode(): number {
  const t = performance.now()
  spawnSync(actionNode(), ['-e', '0'], { stdio: 'ignore' })
  return performance.now() - t
}

/** Spawn → first request the emulator receives, for a valid one-stage rollout of one function (or the baseline's one request). */
async function firstRequest(entry: string, baseline = false): Promise<number> {
  const em = await startEmulator()
  try {
    em.seedFunction('bench-start', { versions: 2 })
    em.seedAlias('bench-start', 'live', '1')
    em.seedAlarm(ALARM, 'OK')
    const run = await runAction({
      entry,
      inputs: {
        'function-name': 'bench-start',
        version: '2',
        stages: '100%',
        alarms: ALARM,
        'poll-interval': '1s',
        'metrics-delay': '0s',
        'min-invocations': '0',
      },
      env: { AWS_ENDPOINT_URL: em.url },
      timeoutMs: 60_000,
    })
    if (!baseline && run.outputs['result'] !== 'promoted')
      throw new Error(`pacing: expected a promote, got ${run.outputs['result'] ?? '-'}\n${run.stdout.slice(-2000)}`)
    return (em.calls()[0]?.at ?? Number.NaN) - run.spawnedAt
  } finally {
    await em.close()
  }
}

export interface PacingRow {
  figure: string
  target: string
  measured: string
  meets: boolean | undefined
}

async function pacingRun(entry: string, functions: number): Promise<PacingSample> {
  const em = await startEmulator()
  try {
    const names = Array.from({ length: functions }, (_, i) => `bench-pacing-${i + 1}`)
    for (const fn of names) {
      em.seedFunction(fn, { versions: 2 })
      em.seedAlias(fn, 'live', '1')
    }
    em.seedAlarm(ALARM, 'OK')
    const run = await runAction({
      entry,
      inputs: {
        'function-name': names.join('\n'),
        version: '2',
        stages: PACING_STAGES,
        alarms: ALARM,
        'poll-interval': '1s',
        'metrics-delay': '0s',
        'min-invocations': '0',
      },
      env: { AWS_ENDPOINT_URL: em.url },
      timeoutMs: 120_000,
    })
    if (run.outputs['result'] !== 'promoted') throw new Error(`pacing: expected a promote, got ${run.outputs['result'] ?? '-'}\n${run.stdout.slice(-2000)}`)
    const calls = em.calls()
    const first = calls[0]?.at ?? Number.NaN
    const last = calls.at(-1)?.at ?? Number.NaN
    const writes = calls.filter((c) => c.service === 'lambda' && c.operation === 'UpdateAlias')
    const firstWrite = writes[0]?.at ?? 0
    const lastWrite = writes.at(-1)?.at ?? 0
    const readsBetweenWrites = calls.filter((c) => c.service === 'lambda' && c.operation !== 'UpdateAlias' && c.at > firstWrite && c.at < lastWrite).length
    return {
      functions,
      overheadMs: last - first - BAKE_MS,
      firstRequestMs: first - run.spawnedAt,
      writes: writes.length,
      readsBetweenWrites,
      lambdaCalls: calls.filter((c) => c.service === 'lambda').length,
      throttled: calls.filter((c) => c.fault === 'rate' || c.fault === 'throttle').length,
    }
  } finally {
    await em.close()
  }
}

export async function measurePacing(entry: string, log: (line: string) => void, compare?: string): Promise<PacingResult> {
  log(`\n[pacing] stages "${PACING_STAGES}", ${RUNS} runs each with 1 and ${FLEET} functions; ${FIRST_RUNS} start-ups next to node -e 0`)
  const floor = buildSdkFloor()
  const bareMs: number[] = []
  const firstMs: number[] = []
  const floorMs: number[] = []
  const compareMs: number[] = []
  for (let i = 0; i < FIRST_RUNS + 2; i++) {
    // Each round times all of them, in turn; odd rounds in the other order.
    const round = [() => bareNode(), () => firstRequest(entry), () => firstRequest(floor, true), ...(compare ? [() => firstRequest(compare)] : [])]
    const order = round.map((_, k) => k)
    const times: number[] = []
    for (const k of i % 2 === 0 ? order : order.reverse()) times[k] = await (round[k] as () => number | Promise<number>)()
    // The first two rounds warm the page cache and the harness; they are not counted.
    if (i < 2) continue
    bareMs.push(times[0] ?? Number.NaN)
    firstMs.push(times[1] ?? Number.NaN)
    floorMs.push(times[2] ?? Number.NaN)
    if (compare) compareMs.push(times[3] ?? Number.NaN)
  }
  log(
    `  start-up: first request median ${ms(median(firstMs))}, SDK alone ${ms(median(floorMs))}, node -e 0 ${ms(median(bareMs))}` +
      (compare
        ? `, ${compare} ${ms(median(compareMs))} (this build ${signed(pairedDifference(firstMs, compareMs))} against it, median of the rounds' differences)`
        : ''),
  )
  const samples: PacingSample[] = []
  for (const functions of [1, FLEET]) {
    for (let i = 0; i < RUNS; i++) {
      const s = await pacingRun(entry, functions)
      samples.push(s)
      log(
        `  ${functions} fn run ${i + 1}: overhead ${ms(s.overheadMs)} (${ms(s.overheadMs / STAGES)}/stage), first request +${ms(s.firstRequestMs)}, ` +
          `${s.writes} writes, ${s.readsBetweenWrites} reads between writes, ${s.lambdaCalls} Lambda calls, ${s.throttled} throttled`,
      )
    }
  }
  return { samples, firstMs, floorMs, bareMs, ...(compare ? { compareMs } : {}) }
}

const signed = (x: number): string => `${x >= 0 ? '+' : ''}${ms(x)}`

/** The median of `a[i] - b[i]`: two builds timed in the same rounds. */
export function pairedDifference(a: readonly number[], b: readonly number[]): number {
  return median(a.map((x, i) => x - (b[i] ?? Number.NaN)).filter((d) => Number.isFinite(d)))
}

export function pacingRows(r: PacingResult): PacingRow[] {
  const rows: PacingRow[] = []
  const bare = median(r.bareMs)
  for (const functions of [1, FLEET]) {
    const s = r.samples.filter((x) => x.functions === functions)
    const perStage = median(s.map((x) => x.overheadMs / STAGES))
    rows.push({
      figure: `Time beyond bakes, first → last AWS request, ${functions} function${functions === 1 ? '' : 's'} × ${STAGES} stages (${s.length} runs)`,
      target: '≤ 100 ms per stage',
      measured: `median ${ms(perStage)} per stage (max ${ms(max(s.map((x) => x.overheadMs / STAGES)))})`,
      meets: perStage <= 100,
    })
    const writesPer = max(s.map((x) => x.writes / (STAGES * functions)))
    rows.push({
      figure: `Lambda writes per stage per function, ${functions} function${functions === 1 ? '' : 's'}`,
      target: '≤ 1',
      measured: num(writesPer),
      meets: writesPer <= 1,
    })
    const reads = max(s.map((x) => x.readsBetweenWrites))
    rows.push({
      figure: `Lambda reads between writes, ${functions} function${functions === 1 ? '' : 's'} (no response lost)`,
      target: '0',
      measured: `max ${reads}`,
      meets: reads === 0,
    })
  }
  const first = median(r.firstMs)
  const floor = median(r.floorMs)
  rows.push({
    figure: `First AWS request after spawn vs node -e 0 (valid inputs, ${r.firstMs.length} runs)`,
    target: '≤ 100 ms over bare node',
    measured: `+${ms(first - bare)} (${ms(first)} vs ${ms(bare)})`,
    meets: first - bare <= 100,
  })
  if (r.compareMs) {
    const other = median(r.compareMs)
    rows.push({
      figure: `The same for the build given with --compare, same runs`,
      target: '— (reference: within 10 ms)',
      // Round by round (the two ran back to back), which the machine's drift between rounds does not move.
      measured: `+${ms(other - bare)} over bare node; this build ${signed(first - other)} against it, ${signed(pairedDifference(r.firstMs, r.compareMs))} as the median of the rounds' differences`,
      meets: undefined,
    })
  }
  rows.push({
    figure: `Baseline: the AWS SDK alone (scripts/bench/sdk-floor.ts, one GetAlias), same runs`,
    target: '— (reference)',
    measured: `+${ms(floor - bare)} over bare node; the action's own code: ${ms(first - floor)}`,
    meets: undefined,
  })
  return rows
}

export function pacingDetail(r: PacingResult): string[] {
  return [
    '### Pacing and overhead (issue 11, items 16–17)',
    '',
    `Stages \`${PACING_STAGES}\`, one alarm, \`poll-interval: 1s\`, against a fresh emulator per run (rate-based throttling on, at AWS's published rates). ` +
      '"Overhead" is from the first to the last request the emulator receives, minus the 3 s of bakes: process start and exit are not in it. ' +
      '"First request" is from just before the spawn to the first request the emulator receives. The start-up row times it apart: ' +
      `${FIRST_RUNS} one-stage rollouts (\`stages: 100%\`), each next to a \`node -e 0\` with the same node binary, alternating which goes first.`,
    '',
    markdownTable(
      ['Functions', 'Run', 'Overhead', 'Per stage', 'First request', 'UpdateAlias', 'Reads between writes', 'Lambda calls', 'Throttled'],
      r.samples.map((s, i) => [
        String(s.functions),
        String((i % RUNS) + 1),
        ms(s.overheadMs),
        ms(s.overheadMs / STAGES),
        ms(s.firstRequestMs),
        String(s.writes),
        String(s.readsBetweenWrites),
        String(s.lambdaCalls),
        String(s.throttled),
      ]),
    ),
    '',
    `Start-up: first request ${r.firstMs.map((x) => ms(x)).join(', ')}; the SDK alone ${r.floorMs.map((x) => ms(x)).join(', ')}; ` +
      `\`node -e 0\` median ${ms(median(r.bareMs))} over ${r.bareMs.length} runs.` +
      (r.compareMs ? ` The build given with \`--compare\`: ${r.compareMs.map((x) => ms(x)).join(', ')}.` : ''),
    '',
  ]
}
