/**
 * Whose rollout the resource is in, as read before the first write.
 * - fresh: serves the stable version only; the rollout can start.
 * - resumable: already sends part of its traffic to this rollout's target (a re-run).
 * - promoted: the target already serves everything.
 * - foreign: routes to some other version: another rollout owns it.
 */
export type Ownership = 'fresh' | 'resumable' | 'promoted' | 'foreign'

export interface TrafficState {
  readonly ownership: Ownership
  /** The target's live share of traffic, in percent (100 when promoted). */
  readonly weight: number
  /** What the resource routes now, in words, for the log. */
  readonly description: string
  readonly stableVersion: string
  readonly targetVersion: string
  /** When the target's current share was set, if the resource records it (the hold's start). */
  readonly since: number | undefined
  /** Whether the stage at the current share finished its bake (recorded when the rollout held). */
  readonly baked: boolean
  /** Canary users already reach the target through a rule of this rollout (ALB mode's users stage). */
  readonly users?: boolean
}

/**
 * Moves traffic for one release. Every write is read back and verified; a write that finds
 * the resource changed by someone else throws OwnershipError and changes nothing.
 */
export interface TrafficProvider {
  /** A short label for logs, e.g. `my-function:live`. */
  readonly resource: string
  /** A console link for the resource, when there is one. */
  readonly link: string | undefined
  /** Reads the live state and checks the release can run (e.g. the target exists). Never writes. */
  inspect(): Promise<TrafficState>
  /** Sends `weight` percent to the target; returns the verified routing in words. */
  shift(weight: number): Promise<string>
  promote(): Promise<string>
  /** Records on the resource that the current share finished its bake, so a resume need not repeat it. */
  markBaked(): Promise<void>
  /** Sends everything back to the stable version; a no-op when it already serves everything. */
  rollback(): Promise<string>
}

/** How a Lambda alias splits traffic. Weights are percents. */
export interface Routing {
  readonly stableVersion: string
  readonly canaryVersion: string | undefined
  readonly canaryWeight: number
}

export function describeRouting(routing: Routing): string {
  if (routing.canaryVersion === undefined) return `100% version ${routing.stableVersion}`
  const stableShare = Math.round((100 - routing.canaryWeight) * 1000) / 1000
  return `${stableShare}% version ${routing.stableVersion}, ${routing.canaryWeight}% version ${routing.canaryVersion}`
}

/** Weight from a Lambda-style fraction, rounded so 0.1 reads as 10, not 10.000000000000002. */
export function percentFromFraction(fraction: number): number {
  return Math.round(fraction * 100 * 1e6) / 1e6
}

export function sameWeight(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-6
}

/**
 * The provider with its first `inspect()` already sent, so a mode can read the live state while
 * the code the rollout needs later (gates, report, CloudWatch's client) is still loading. The
 * engine's first inspection is that read; every later one reads afresh. A failed first read reaches
 * the engine, which refuses on it, as it would have.
 */
export function withFirstLook(provider: TrafficProvider, firstLook: Promise<TrafficState>): TrafficProvider {
  // Handled here so a failure is not an unhandled rejection while the rest loads; the engine still awaits it.
  firstLook.catch(() => undefined)
  let pending: Promise<TrafficState> | undefined = firstLook
  return {
    get resource() {
      return provider.resource
    },
    get link() {
      return provider.link
    },
    inspect: () => {
      const look = pending ?? provider.inspect()
      pending = undefined
      return look
    },
    shift: (weight) => provider.shift(weight),
    promote: () => provider.promote(),
    markBaked: () => provider.markBaked(),
    rollback: () => provider.rollback(),
  }
}
