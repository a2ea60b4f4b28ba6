/**
 * Simulated canary stages for the decision rule's property tests and the benchmark: traffic split
 * by weight, errors drawn per version, and the rule applied at every minute of the bake (CloudWatch's
 * resolution), on the counts so far, as the gate reads them.
 */
import { judge, type RuleSettings, type SeriesStats } from '../scripts/bench/old-rule.js'
import { mulberry32 } from '../emulator/prng.js'

export interface StageScenario {
  readonly stableErrorRate: number
  readonly canaryErrorRate: number
  /** The canary's share of traffic, 0..1. */
  readonly weight: number
  /** Invocations per minute, both versions together. */
  readonly perMinute: number
  readonly minutes: number
}

export const DEFAULT_RULE: RuleSettings = { compare: ['errors'], errorRateTolerance: 0.01, durationTolerance: 0.2, minRequests: 0, noun: 'invocations' }

/** Binomial draws: exact by inversion while n·p is small, normal with continuity beyond (np and nq over 30). */
export function binomial(rand: () => number, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0
  if (p >= 1) return n
  if (n * Math.min(p, 1 - p) > 30) {
    const u = Math.max(1e-12, rand())
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand())
    return Math.max(0, Math.min(n, Math.round(n * p + z * Math.sqrt(n * p * (1 - p)))))
  }
  if (p > 0.5) return n - binomial(rand, n, 1 - p)
  // Inversion: walk the pmf upwards from 0.
  const q = 1 - p
  let k = 0
  let pmf = q ** n
  let cdf = pmf
  const u = rand()
  while (u > cdf && k < n) {
    pmf *= ((n - k) / (k + 1)) * (p / q)
    k += 1
    cdf += pmf
  }
  return k
}

export interface StageRun {
  /** The minute (1-based) at which the rule failed the canary, if it did. */
  readonly failedAtMinute: number | undefined
  /** Canary invocations visible when it failed. */
  readonly canaryRequestsAtFail: number | undefined
  readonly canary: SeriesStats
  readonly stable: SeriesStats
}

export function simulateStage(scenario: StageScenario, rand: () => number, settings: RuleSettings = DEFAULT_RULE): StageRun {
  let canary = { requests: 0, errors: 0, p99: undefined as number | undefined }
  let stable = { requests: 0, errors: 0, p99: undefined as number | undefined }
  for (let minute = 1; minute <= scenario.minutes; minute++) {
    const total = binomial(rand, Math.round(scenario.perMinute * 2), 0.5)
    const toCanary = binomial(rand, total, scenario.weight)
    canary = { ...canary, requests: canary.requests + toCanary, errors: canary.errors + binomial(rand, toCanary, scenario.canaryErrorRate) }
    stable = {
      ...stable,
      requests: stable.requests + total - toCanary,
      errors: stable.errors + binomial(rand, total - toCanary, scenario.stableErrorRate),
    }
    if (judge(canary, stable, settings).verdict === 'fail') return { failedAtMinute: minute, canaryRequestsAtFail: canary.requests, canary, stable }
  }
  return { failedAtMinute: undefined, canaryRequestsAtFail: undefined, canary, stable }
}

/** A random identical-versions stage: error rate 0-30%, weight 1-50%, 1-5,000 invocations a minute, 1-30 minute bake. */
export function randomIdenticalStage(rand: () => number): StageScenario {
  const stableErrorRate = rand() < 0.2 ? 0 : 0.3 * rand() ** 2
  const weights = [0.01, 0.05, 0.1, 0.2, 0.25, 0.5]
  return {
    stableErrorRate,
    canaryErrorRate: stableErrorRate,
    weight: weights[Math.floor(rand() * weights.length)] ?? 0.1,
    perMinute: Math.round(Math.exp(Math.log(5000) * rand())),
    minutes: 1 + Math.floor(rand() * 30),
  }
}

/** False rollbacks over `stages` random identical-version stages, from a fixed seed. */
export function falseRollbackRate(stages: number, seed = 2026): { rolledBack: number; stages: number; rate: number } {
  const rand = mulberry32(seed)
  let rolledBack = 0
  for (let i = 0; i < stages; i++) if (simulateStage(randomIdenticalStage(rand), rand).failedAtMinute !== undefined) rolledBack += 1
  return { rolledBack, stages, rate: rolledBack / stages }
}
