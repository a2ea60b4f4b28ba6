// Fault injection and IAM-style allow-listing, decided before a request reaches a service.
import type { ServiceName } from './http.js'
import { mulberry32 } from './prng.js'
import { RateLimiter } from './throttle.js'

/** Condition operator → key → value(s); StringEquals and StringLike are evaluated (e.g. iam:PassedToService). */
export type PolicyCondition = Record<string, Record<string, string | string[]>>

/** An IAM identity policy, as published in policies/*.json: Allow statements only (the emulator has no Deny). */
export interface PolicyDocument {
  Statement: { Effect?: string; Action: string | string[]; Resource?: string | string[]; Condition?: PolicyCondition }[]
}

interface Grant {
  readonly actions: readonly string[]
  readonly resources: readonly string[]
  readonly condition?: PolicyCondition
}

/** Request context keys the service supplies for a call, e.g. { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }. */
export type RequestContext = Readonly<Record<string, string>>

/**
 * IAM's condition evaluation for the operators the emulator knows: every operator and key must hold,
 * a key the request does not carry fails the condition (as IAM does without ...IfExists), and an
 * operator the emulator does not know fails closed.
 */
function conditionHolds(condition: PolicyCondition | undefined, context: RequestContext): boolean {
  if (condition === undefined) return true
  return Object.entries(condition).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      const actual = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1]
      if (actual === undefined) return false
      const values = list(expected)
      if (operator === 'StringEquals') return values.includes(actual)
      if (operator === 'StringLike') return values.some((v) => wildcard(v, actual, false))
      return false
    }),
  )
}

/** IAM's wildcard match: `*` any run of characters, `?` one; action names are case-insensitive, ARNs are not. */
function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${re}$`, ignoreCase ? 'i' : '').test(value)
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v])

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

/** `rate`: over the API's published rate (emulator/throttle.ts); `throttle`: a random throttle. */
export type FaultKind = 'unavailable' | 'denied' | 'drop' | 'throttle' | 'rate' | 'error'

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
  private policy: Grant[] | null = null
  /** Throttles each API beyond AWS's published rate (on by default; random throttles come on top). */
  readonly rates = new RateLimiter()

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

  /**
   * What the caller may do: a list of IAM actions (any resource) like 'lambda:GetAlias', with `*`
   * wildcards, or a policy document whose Allow statements pair actions with Resource ARNs.
   * null disables enforcement.
   */
  setPolicy(policy: string[] | PolicyDocument | null): void {
    if (policy === null) this.policy = null
    else if (Array.isArray(policy)) this.policy = [{ actions: policy, resources: ['*'] }]
    else
      this.policy = policy.Statement.filter((st) => (st.Effect ?? 'Allow') === 'Allow').map((st) => ({
        actions: list(st.Action),
        resources: list(st.Resource ?? '*'),
        ...(st.Condition !== undefined && { condition: st.Condition }),
      }))
  }

  getPolicy(): string[] | null {
    return this.policy === null ? null : this.policy.flatMap((g) => g.actions)
  }

  retryAfterSeconds(): number {
    return this.config.retryAfterSeconds ?? 1
  }

  /**
   * Whether some Allow statement names both the action and the resource (its ARN, as the service
   * authorizes it) and its conditions hold for the request's context keys.
   */
  isAllowed(action: string, resource = '*', context: RequestContext = {}): boolean {
    if (this.policy === null) return true
    return this.policy.some(
      (g) =>
        g.actions.some((a) => wildcard(a, action, true)) &&
        g.resources.some((r) => r === '*' || resource === '*' || wildcard(r, resource, false)) &&
        conditionHolds(g.condition, context),
    )
  }

  /** Condition keys that statements naming the action and resource test but the context lacks (SimulatePrincipalPolicy's MissingContextValues). */
  missingContextKeys(action: string, resource = '*', context: RequestContext = {}): string[] {
    if (this.policy === null) return []
    const known = new Set(Object.keys(context).map((k) => k.toLowerCase()))
    const missing = new Set<string>()
    for (const g of this.policy) {
      if (!g.condition || !g.actions.some((a) => wildcard(a, action, true))) continue
      if (!g.resources.some((r) => r === '*' || resource === '*' || wildcard(r, resource, false))) continue
      for (const keys of Object.values(g.condition)) for (const key of Object.keys(keys)) if (!known.has(key.toLowerCase())) missing.add(key)
    }
    return [...missing]
  }

  /** `iamAction` undefined: an operation no policy can deny. */
  decide(service: ServiceName, operation: string, iamAction: string | undefined, resource: () => string = () => '*'): FaultDecision {
    const c = this.config
    if (c.unavailable?.includes(service)) return { kind: 'unavailable', latencyMs: 0 }
    if (iamAction !== undefined && !this.isAllowed(iamAction, this.policy === null ? '*' : resource())) return { kind: 'denied', latencyMs: 0 }
    if (!this.rates.admit(service, operation)) return { kind: 'rate', latencyMs: 0 }
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
