// Fault injection and IAM-style allow-listing, decided before a request reaches a service.
import type { ServiceName } from './http.js'
import { mulberry32 } from './prng.js'

export interface FaultConfig {
  /** Probability (0..1) of the service's real throttling error. */
  throttleRate?: number
  /** Probability (0..1) of HTTP 503 ServiceUnavailable. */
  errorRate?: number
  /** Probability (0..1) of destroying the socket without a response. */
  dropRate?: number
  /** Delay added before every matching response. */
  latencyMs?: number
  /** Limit random faults/latency to these services / operations (default: all). */
  services?: ServiceName[]
  operations?: string[]
  /** Services answering every call with 503, regardless of the filters above. */
  unavailable?: ServiceName[]
  /** Retry-After seconds on Lambda throttles (default 1, like AWS; 0 keeps tests fast). */
  retryAfterSeconds?: number
  /** Reseeds the PRNG; defaults to the emulator's seed so each setFaults replays the same sequence. */
  seed?: number
}

export type FaultKind = 'unavailable' | 'denied' | 'drop' | 'throttle' | 'error'

export interface FaultDecision {
  kind: FaultKind | undefined
  latencyMs: number
}

export interface CallRecord {
  at: number
  service: ServiceName
  operation: string
  status: number
  /** Injected fault, if any; status is 0 for dropped connections. */
  fault?: FaultKind
  accessKeyId?: string
}

const clampRate = (v: number | undefined): number => (v === undefined || !Number.isFinite(v) ? 0 : Math.min(1, Math.max(0, v)))

export class FaultInjector {
  private config: FaultConfig = {}
  private rand: () => number
  private policy: Set<string> | null = null

  constructor(private readonly seed: number) {
    this.rand = mulberry32(seed)
  }

  setFaults(cfg: FaultConfig | null): void {
    this.config = cfg ?? {}
    this.rand = mulberry32(cfg?.seed ?? this.seed)
  }

  getFaults(): FaultConfig {
    return this.config
  }

  /** Allowed IAM actions like 'lambda:GetAlias'; '*' and 'lambda:*' wildcards work. null disables enforcement. */
  setPolicy(actions: string[] | null): void {
    this.policy = actions === null ? null : new Set(actions)
  }

  getPolicy(): string[] | null {
    return this.policy === null ? null : [...this.policy]
  }

  retryAfterSeconds(): number {
    return this.config.retryAfterSeconds ?? 1
  }

  isAllowed(action: string): boolean {
    if (this.policy === null) return true
    const prefix = action.split(':')[0] ?? ''
    return this.policy.has(action) || this.policy.has('*') || this.policy.has(`${prefix}:*`)
  }

  decide(service: ServiceName, operation: string, iamAction: string): FaultDecision {
    const c = this.config
    if (c.unavailable?.includes(service)) return { kind: 'unavailable', latencyMs: 0 }
    if (!this.isAllowed(iamAction)) return { kind: 'denied', latencyMs: 0 }
    const inScope = (c.services === undefined || c.services.includes(service)) && (c.operations === undefined || c.operations.includes(operation))
    if (!inScope) return { kind: undefined, latencyMs: 0 }
    // Always draw all three so one rate change does not shift the other outcomes' sequence.
    const [d, t, e] = [this.rand(), this.rand(), this.rand()]
    const latencyMs = Math.max(0, c.latencyMs ?? 0)
    if (d < clampRate(c.dropRate)) return { kind: 'drop', latencyMs }
    if (t < clampRate(c.throttleRate)) return { kind: 'throttle', latencyMs }
    if (e < clampRate(c.errorRate)) return { kind: 'error', latencyMs }
    return { kind: undefined, latencyMs }
  }
}
