/** How a traffic provider's resource splits traffic right now. Weights are percents. */
export interface Routing {
  /** The version serving the traffic not sent to the canary. */
  readonly stableVersion: string
  /** The version receiving weighted traffic, if any. */
  readonly canaryVersion: string | undefined
  readonly canaryWeight: number
}

/** The two versions a rollout moves traffic between. */
export interface Release {
  readonly stable: string
  readonly target: string
}

/**
 * Moves traffic for one resource. Every write is read back and verified; a write that
 * finds the resource changed by someone else throws OwnershipError and changes nothing.
 */
export interface TrafficProvider {
  /** A short label for logs, e.g. `my-function:live`. */
  readonly resource: string
  /** A console link for the resource, when there is one. */
  readonly link: string | undefined
  current(): Promise<Routing>
  /** Throws when `version` does not exist, before any write. */
  assertVersionExists(version: string): Promise<void>
  shift(release: Release, weight: number): Promise<Routing>
  promote(release: Release): Promise<Routing>
  /** Sends everything back to `release.stable`; a no-op when it already serves everything. */
  rollback(release: Release): Promise<Routing>
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
