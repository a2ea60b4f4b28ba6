/**
 * Section `evidence` of npm run bench (issue 20): the canary analysis's old rule and new rule side by
 * side on the same simulated traffic, with metrics delivered as CloudWatch delivers them.
 *
 * Simulated at the level of per-chunk counts (no emulator, no action: fast enough for Monte Carlo):
 * - Traffic is Poisson per function; the canary gets `weight` of it from the second the weight goes
 *   live (a random second of a minute), the stable the rest, and all of it before.
 * - Each call fails with its version's error rate (plus a shared spike's, if any); its latency is
 *   lognormal with σ drawn per release in [0.5, 1.0] (the canary's median × the latency factor).
 * - Counts are drawn per 15-second chunk. Each series (a version's Invocations, Errors, Duration) has
 *   its own delay: 50 s, plus a skew per series in [0, 60 s], plus a jitter per series and minute in
 *   [0, 10 s]. A chunk's counts become readable that long after the chunk ends, so data arrives
 *   50-120 s late, minutes fill in as their chunks land, and one version's series lags the other's.
 * - The action polls every `poll` from the shift. The old rule (scripts/bench/old-rule.ts) reads, at
 *   each poll, everything visible from the minute the weight went live, as one window, and judges it
 *   (errors: Fisher + 1-point tolerance; duration: p99 × 1.2 from 500 calls each); it passes at the end
 *   of the bake. The new rule (src/gates/analysis/sequential.ts) adds each minute once it has settled
 *   (ended at least `metrics-delay` before the poll), for errors and for calls slower than the stable's
 *   p90, and passes once every minute of the bake is judged. Budget: 1% per release, split over
 *   functions × 2 metrics.
 * - Latency is kept as counts per z-bin of the stable's log-latency above its p90 (1.2816), fine enough
 *   (0.1 in z) to place a p99 within a few percent; below the p90 only the count is kept.
 * - The slow-call threshold is the stable's true p90 (the action estimates it from the hour before the
 *   run; an estimate moves the threshold for both versions alike and does not change the test's validity).
 */
import { binomial } from '../../__fixtures__/canary-sim.js'
import { mulberry32 } from '../../emulator/prng.js'
import { alphaFor, judgeRelease, type RuleSettings as NewRuleSettings } from '../../src/gates/analysis/evidence.js'
import type { Baseline, MinuteSample } from '../../src/gates/analysis/queries.js'
import { judge, normalUpperTail, type RuleSettings } from './old-rule.js'

const SECOND = 1000
const MINUTE = 60 * SECOND
const CHUNK = 15 * SECOND
const CHUNKS = MINUTE / CHUNK

/** The action's settings the simulation reads with. */
export interface ActionSettings {
  readonly pollMs: number
  /** `metrics-delay`: a minute is judged once it ended this long before the read. */
  readonly metricsDelayMs: number
  /** `min-invocations`: fewer canary calls at the end of a stage is "too little evidence". */
  readonly minInvocations: number
  /** The release's false-rollback budget. */
  readonly budget: number
  /** The new rule's margins: errors, and calls slower than the stable's p90. */
  readonly errorMargin: number
  readonly latencyMargin: number
  /** `error-rate-tolerance`: the absolute floor; errors roll back only when the canary's rate is this much over the stable's too. */
  readonly errorFloor: number
}

export const ACTION: ActionSettings = {
  pollMs: 10 * SECOND,
  metricsDelayMs: 2 * MINUTE,
  minInvocations: 100,
  budget: 0.01,
  errorMargin: 1.1,
  latencyMargin: 1.2,
  errorFloor: 0.001,
}

/** How CloudWatch delivers: base delay, skew per series, jitter per series and minute. */
export const DELIVERY = { baseMs: 50 * SECOND, skewMs: 60 * SECOND, jitterMs: 10 * SECOND }

/** The new rule as the action sets it up by default with `analysis: errors, duration`. */
const NEW_RULE: NewRuleSettings = {
  compare: ['errors', 'duration'],
  errorMargin: ACTION.errorMargin,
  errorFloor: ACTION.errorFloor,
  latencyMargin: ACTION.latencyMargin,
  budget: ACTION.budget,
  minRequests: ACTION.minInvocations,
}

const OLD_RULE: RuleSettings = { compare: ['errors', 'duration'], errorRateTolerance: 0.01, durationTolerance: 0.2, minRequests: 0, noun: 'invocations' }

/** A shared downstream error spike: 60 s, failing this share of both versions' calls. */
export const SPIKE = { durationMs: 60 * SECOND, errorRate: 0.3 }

export interface Cell {
  readonly functions: number
  /** The canary's share of traffic, 0..1. */
  readonly weight: number
  /** Calls per second through each function, both versions together. */
  readonly rate: number
  readonly bakeMinutes: number
  readonly spike: boolean
  /** The stable's error rate. */
  readonly baseline: number
  /** The canary's error rate over the stable's (1: identical). */
  readonly errorFactor: number
  /** The canary's latency over the stable's (1: identical). */
  readonly latencyFactor: number
  readonly releases: number
}

export interface Decision {
  /** Time from the shift to the rollback; undefined when the rule did not roll back. */
  readonly rollbackAfterMs: number | undefined
  /** Canary calls served (all functions) by the rollback. */
  readonly canaryServed: number | undefined
}

export interface NewDecision extends Decision {
  /** The stage ended (every minute judged) with a function's canary below min-invocations in its judged minutes. */
  readonly insufficient: boolean
  /** When the stage passed or rolled back, from the shift. */
  readonly passAfterMs: number
}

export interface ReleaseOutcome {
  readonly old: Decision
  /** The new rule as the action judges (judgeRelease): settled minutes, leaving out the one the weight changed in. */
  readonly new: NewDecision
  readonly bakeMs: number
}

// Latency bins on the stable's z-scale (log-latency in standard deviations), above its p90.
const P90_Z = 1.2815515655446004
const EDGES: number[] = [P90_Z]
for (let z = 1.4; z < 3.05; z += 0.1) EDGES.push(Number(z.toFixed(2)))
EDGES.push(3.25, 3.5, 4, 5, 5.5)
const BINS = EDGES.length - 1

/** Per-chunk counts of one version. */
interface Chunk {
  n: number
  e: number
  slow: number
  bins: Float64Array | undefined
}

interface Minute {
  start: number
  /** [canary, stable] × CHUNKS */
  chunks: Chunk[][]
  /** Arrival delay per series: [c.inv, c.err, c.dur, s.inv, s.err, s.dur]. */
  delay: number[]
  /** When every chunk of every series has arrived. */
  complete: number
}

interface Totals {
  /** Invocations, Errors (their own series). */
  n: number
  e: number
  /** Duration's sample count, its calls above the stable's p90, and its tail bins. */
  dn: number
  slow: number
  bins: Float64Array
}

const totals = (): Totals => ({ n: 0, e: 0, dn: 0, slow: 0, bins: new Float64Array(BINS) })

function poisson(rand: () => number, mean: number): number {
  if (mean <= 0) return 0
  if (mean > 30) {
    const z = Math.sqrt(-2 * Math.log(Math.max(1e-12, rand()))) * Math.cos(2 * Math.PI * rand())
    return Math.max(0, Math.round(mean + z * Math.sqrt(mean)))
  }
  const limit = Math.exp(-mean)
  let k = 0
  let p = rand()
  while (p > limit) {
    k += 1
    p *= rand()
  }
  return k
}

/** P(Z > z) for the version whose log-latency is shifted by `shift` standard deviations. */
const above = (z: number, shift: number): number => (z >= 5.5 ? 0 : normalUpperTail(z - shift))

/** A window's p99 on the stable's z-scale, from the Duration counts: the interpolated rank in the bins. */
function p99z(t: Totals): number | undefined {
  if (t.dn <= 0) return undefined
  const fromTop = t.dn - Math.ceil(0.99 * t.dn) + 1
  let seen = 0
  for (let b = BINS - 1; b >= 0; b--) {
    const c = t.bins[b] ?? 0
    if (seen + c >= fromTop) {
      const lo = EDGES[b] ?? 0
      const hi = EDGES[b + 1] ?? lo
      return hi - ((fromTop - seen - 0.5) / c) * (hi - lo)
    }
    seen += c
  }
  return P90_Z
}

/** The new rule for one function: the action's own `judgeRelease` over the settled minutes so far. */
class NewRule {
  private readonly minutes: MinuteSample[] = []
  private fresh = false
  rejected = false
  /** Canary calls in the judged minutes at the last decision: the stage's evidence. */
  canaryJudged = 0

  constructor(
    private readonly alpha: number,
    private readonly baseline: Baseline,
    private readonly shifts: readonly number[],
  ) {}

  add(at: number, c: Totals, s: Totals): void {
    this.fresh = true
    this.minutes.push({
      at,
      canary: { requests: c.n, errors: c.e, slow: c.slow },
      stable: { requests: s.n, errors: s.e, slow: s.slow },
    })
  }

  /** The verdict after a read's minutes, as the action reaches it. */
  decide(): boolean {
    if (this.rejected || !this.fresh) return this.rejected
    this.fresh = false
    const j = judgeRelease(this.minutes, NEW_RULE, this.alpha, this.baseline, this.shifts)
    this.canaryJudged = j.canary.requests
    this.rejected = j.errors?.failed === true || j.duration?.failed === true
    return this.rejected
  }
}

/** One function's traffic and both rules' view of it. */
class FunctionSim {
  readonly minutes: Minute[] = []
  private readonly skew: number[]
  /** Fully arrived minutes, folded: [canary, stable]. */
  private readonly folded: [Totals, Totals] = [totals(), totals()]
  private foldedUpTo = 0
  private readonly scratch: [Totals, Totals] = [totals(), totals()]
  private lastSeen = ''
  readonly rule: NewRule
  private judgedUpTo = 0
  canaryServed = 0
  /** Each version's share of calls above the stable's p90: [canary, stable]. */
  private readonly pSlow: number[]
  private readonly binCdf: number[][]

  constructor(
    private readonly cell: Cell,
    private readonly rand: () => number,
    private readonly liveAt: number,
    private readonly sigma: number,
    private readonly spike: { from: number; to: number } | undefined,
    alpha: number,
  ) {
    this.skew = Array.from({ length: 6 }, () => DELIVERY.baseMs + DELIVERY.skewMs * rand())
    const requests = cell.rate * 3600
    const baseline: Baseline = { requests, errors: Math.round(requests * cell.baseline), p90Ms: 100 * Math.exp(sigma * P90_Z) }
    this.rule = new NewRule(alpha, baseline, [liveAt])
    const shift = Math.log(cell.latencyFactor) / sigma
    this.pSlow = [above(P90_Z, shift), above(P90_Z, 0)]
    // Each version's cumulative share of its slow calls through each bin.
    this.binCdf = [shift, 0].map((d) => {
      const mass = above(P90_Z, d)
      return EDGES.slice(1).map((edge) => (mass > 0 ? (mass - above(edge, d)) / mass : 1))
    })
  }

  /**
   * Draws the minute starting at `start`. `detailed`: in 15-second chunks with tail bins, for the old
   * rule, which reads partial minutes; otherwise (the old rule has decided, or its bake is over) the
   * minute in one draw landing at its last chunk's time: the new rule reads only settled minutes,
   * which metrics-delay (2m) ≥ the longest delay (120 s) makes complete. The shift's minute is always
   * drawn in chunks, since who served when within it matters.
   */
  generate(start: number, detailed: boolean): void {
    const { cell, rand } = this
    const delay = this.skew.map((s) => s + DELIVERY.jitterMs * rand())
    const chunks: Chunk[][] = [[], []]
    const inChunks = detailed || start < this.liveAt
    const span = inChunks ? CHUNK : MINUTE
    if (!inChunks) for (let j = 0; j < CHUNKS - 1; j++) for (const v of [0, 1]) chunks[v]?.push({ n: 0, e: 0, slow: 0, bins: undefined })
    for (let from = inChunks ? start : start + MINUTE - CHUNK; from < start + MINUTE; from += CHUNK) {
      const lo = inChunks ? from : start
      const hi = lo + span
      const live = Math.max(0, hi - Math.max(lo, this.liveAt)) / SECOND
      const before = span / SECOND - live
      const spiking = this.spike ? Math.max(0, Math.min(hi, this.spike.to) - Math.max(lo, this.spike.from)) / span : 0
      for (const v of [0, 1]) {
        const seconds = v === 0 ? live * cell.weight : live * (1 - cell.weight) + before
        const n = poisson(rand, cell.rate * seconds)
        const own = v === 0 ? Math.min(1, cell.baseline * cell.errorFactor) : cell.baseline
        const p = own + spiking * SPIKE.errorRate * (1 - own)
        const e = binomial(rand, n, p)
        const slow = binomial(rand, n, this.pSlow[v] ?? 0)
        const tail = detailed && slow > 0 ? this.tail(slow, v) : undefined
        chunks[v]?.push({ n, e, slow, bins: tail })
        if (v === 0) this.canaryServed += n
      }
    }
    this.minutes.push({ start, chunks, delay, complete: start + MINUTE + Math.max(...delay) })
  }

  /** Spreads `slow` calls of version `v` over the tail bins (a multinomial draw). */
  private tail(slow: number, v: number): Float64Array {
    const out = new Float64Array(BINS)
    const cumulative = this.binCdf[v] ?? []
    if (slow <= 30) {
      // Few calls: place each by inversion of the bins' conditional distribution.
      for (let i = 0; i < slow; i++) {
        const u = this.rand()
        let b = 0
        while (b < BINS - 1 && u > (cumulative[b] ?? 1)) b++
        out[b] = (out[b] ?? 0) + 1
      }
      return out
    }
    let left = slow
    let taken = 0
    for (let b = 0; b < BINS - 1 && left > 0; b++) {
      const p = ((cumulative[b] ?? 1) - taken) / (1 - taken)
      const k = binomial(this.rand, left, Math.min(1, Math.max(0, p)))
      out[b] = k
      left -= k
      taken = cumulative[b] ?? 1
    }
    out[BINS - 1] = left
    return out
  }

  /** What one version's series show of `m` at `t`. */
  private visible(m: Minute, v: 0 | 1, t: number, into: Totals): void {
    const chunks = m.chunks[v] ?? []
    const base = v * 3
    for (let j = 0; j < CHUNKS; j++) {
      const c = chunks[j]
      if (!c) continue
      const end = m.start + (j + 1) * CHUNK
      if (end + (m.delay[base] ?? 0) <= t) into.n += c.n
      if (end + (m.delay[base + 1] ?? 0) <= t) into.e += c.e
      if (end + (m.delay[base + 2] ?? 0) <= t) {
        into.dn += c.n
        into.slow += c.slow
        if (c.bins) for (let b = 0; b < BINS; b++) into.bins[b] = (into.bins[b] ?? 0) + (c.bins[b] ?? 0)
      }
    }
  }

  /** The old rule at a read at `t`: the whole window since the live minute, as visible. */
  oldFails(t: number): boolean {
    while (this.foldedUpTo < this.minutes.length && (this.minutes[this.foldedUpTo]?.complete ?? Number.POSITIVE_INFINITY) <= t) {
      const m = this.minutes[this.foldedUpTo] as Minute
      this.visible(m, 0, t, this.folded[0])
      this.visible(m, 1, t, this.folded[1])
      this.foldedUpTo += 1
    }
    const now = this.scratch
    for (const v of [0, 1] as const) {
      const f = this.folded[v]
      now[v].n = f.n
      now[v].e = f.e
      now[v].dn = f.dn
      now[v].slow = f.slow
      now[v].bins.set(f.bins)
      for (let i = this.foldedUpTo; i < this.minutes.length; i++) this.visible(this.minutes[i] as Minute, v, t, now[v])
    }
    const [c, s] = now
    // Nothing new landed since the last read: the same window, the same verdict (a pass, or we would have stopped).
    const seen = `${c.n},${c.e},${c.dn},${s.n},${s.e},${s.dn}`
    if (seen === this.lastSeen) return false
    this.lastSeen = seen
    const p99 = (x: Totals) => {
      const z = p99z(x)
      return z === undefined ? undefined : 100 * Math.exp(this.sigma * z)
    }
    return judge({ requests: c.n, errors: c.e, p99: p99(c) }, { requests: s.n, errors: s.e, p99: p99(s) }, OLD_RULE).verdict === 'fail'
  }

  /** The new rule at a read at `t`: adds the minutes settled by then (through `lastMinute`); true once it rejects. */
  newFails(t: number, lastMinute: number): boolean {
    const cut = Math.floor((t - ACTION.metricsDelayMs) / MINUTE) * MINUTE
    while (this.judgedUpTo < this.minutes.length) {
      const m = this.minutes[this.judgedUpTo] as Minute
      if (m.start > lastMinute || m.start + MINUTE > cut) break
      this.judgedUpTo += 1
      const c = totals()
      const s = totals()
      this.visible(m, 0, t, c)
      this.visible(m, 1, t, s)
      // Slow calls are Duration's count over the threshold, against Invocations; judgeRelease drops a
      // pair where they (or Errors) exceed Invocations, and the minute the weight changed in.
      this.rule.add(m.start, c, s)
    }
    return this.rule.decide()
  }

  /** Every minute through `lastMinute` judged. */
  judgedThrough(lastMinute: number): boolean {
    const next = this.minutes[this.judgedUpTo]
    return next !== undefined && next.start > lastMinute
  }

  /** Canary calls served in chunks that ended by `t`. */
  servedBy(t: number): number {
    let n = 0
    for (const m of this.minutes) {
      for (let j = 0; j < CHUNKS; j++) if (m.start + (j + 1) * CHUNK <= t) n += m.chunks[0]?.[j]?.n ?? 0
    }
    return n
  }

  canaryInBake(bakeEnd: number): number {
    return this.servedBy(Math.ceil(bakeEnd / CHUNK) * CHUNK)
  }
}

/** One release: a single stage at the cell's weight, judged by both rules on the same traffic. */
export function simulateRelease(cell: Cell, rand: () => number): ReleaseOutcome {
  const liveAt = 10 * MINUTE + Math.floor(rand() * 60) * SECOND
  const bakeMs = cell.bakeMinutes * MINUTE
  const bakeEnd = liveAt + bakeMs
  const sigma = 0.5 + 0.5 * rand()
  const spikeFrom = liveAt + Math.floor(rand() * Math.max(1, bakeMs - SPIKE.durationMs))
  const spike = cell.spike ? { from: spikeFrom, to: spikeFrom + SPIKE.durationMs } : undefined
  const alpha = alphaFor(cell.functions, NEW_RULE)
  const fns = Array.from({ length: cell.functions }, () => new FunctionSim(cell, rand, liveAt, sigma, spike, alpha))
  const firstMinute = Math.floor(liveAt / MINUTE) * MINUTE
  const lastMinute = Math.floor((bakeEnd - 1) / MINUTE) * MINUTE
  let generated = firstMinute
  let oldAt: number | undefined
  let newAt: number | undefined
  let passAt: number | undefined
  for (let t = liveAt; ; t += ACTION.pollMs) {
    const oldActive = oldAt === undefined && t <= bakeEnd
    while (generated <= t && generated <= lastMinute + MINUTE) {
      for (const f of fns) f.generate(generated, oldAt === undefined && generated <= bakeEnd)
      generated += MINUTE
    }
    if (oldActive && fns.some((f) => f.oldFails(t))) oldAt = t
    if (newAt === undefined && passAt === undefined) {
      let failed = false
      for (const f of fns) if (f.newFails(t, lastMinute)) failed = true
      if (failed) newAt = t
      else if (fns.every((f) => f.judgedThrough(lastMinute))) passAt = t
    }
    if ((oldAt !== undefined || t > bakeEnd) && (newAt !== undefined || passAt !== undefined)) break
  }
  const served = (at: number | undefined) => (at === undefined ? undefined : fns.reduce((sum, f) => sum + f.servedBy(at), 0))
  return {
    old: { rollbackAfterMs: oldAt === undefined ? undefined : oldAt - liveAt, canaryServed: served(oldAt) },
    new: {
      rollbackAfterMs: newAt === undefined ? undefined : newAt - liveAt,
      canaryServed: served(newAt),
      insufficient: newAt === undefined && fns.some((f) => f.rule.canaryJudged < ACTION.minInvocations),
      passAfterMs: (newAt ?? passAt ?? bakeEnd) - liveAt,
    },
    bakeMs,
  }
}

export interface CellResult {
  readonly cell: Cell
  readonly outcomes: ReleaseOutcome[]
  readonly ms: number
}

export function runCell(cell: Cell, seed: number): CellResult {
  const rand = mulberry32(seed)
  const t = performance.now()
  const outcomes = Array.from({ length: cell.releases }, () => simulateRelease(cell, rand))
  return { cell, outcomes, ms: performance.now() - t }
}
