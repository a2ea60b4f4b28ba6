import { errorMessage, OwnershipError, RefusalError } from '../core/errors.js'
import type { TrafficProvider, TrafficState } from '../core/traffic.js'
import type { MemberReport } from '../report/summary.js'

/** The earliest hold start among live members; unknown if any live member has none recorded. */
function oldestHold(states: readonly TrafficState[]): number | undefined {
  const live = states.filter((state) => state.ownership === 'resumable')
  if (live.length === 0 || live.some((state) => state.since === undefined)) return undefined
  return Math.min(...live.map((state) => state.since as number))
}

/**
 * Whose rollout the fleet is in: any foreign member makes it foreign; all promoted is promoted;
 * any member with our canary live makes it a resume. Promoted members next to fresh ones are
 * a fresh start: nothing of this rollout is live, so there is no hold to check.
 */
function fleetOwnership(states: readonly TrafficState[]): TrafficState['ownership'] {
  if (states.some((state) => state.ownership === 'foreign')) return 'foreign'
  if (states.every((state) => state.ownership === 'promoted')) return 'promoted'
  if (states.some((state) => state.ownership === 'resumable')) return 'resumable'
  return 'fresh'
}

/**
 * Moves several resources through the same stages in lockstep. The fleet's weight is its
 * least advanced member's, so a re-run after a crash between members never lowers anyone:
 * members already at (or past) a stage's weight are not written, and keep their weight.
 */
export class FleetProvider implements TrafficProvider {
  readonly resource: string
  readonly link = undefined
  private readonly weights = new Map<TrafficProvider, number>()
  private readonly states = new Map<TrafficProvider, TrafficState>()
  /** Members someone else took over: never written again. */
  private readonly lost = new Set<TrafficProvider>()

  constructor(readonly members: readonly TrafficProvider[]) {
    this.resource = `${members.length} functions`
  }

  /** Inspects every member before any write; refusals name every member that cannot go on. */
  async inspect(): Promise<TrafficState> {
    const results = await Promise.allSettled(this.members.map((member) => member.inspect()))
    const failures = results.flatMap((result, i) => (result.status === 'rejected' ? [{ member: this.members[i], reason: result.reason as unknown }] : []))
    if (failures.length > 0) {
      const message = failures.map((f) => errorMessage(f.reason)).join('; ')
      throw failures.every((f) => f.reason instanceof RefusalError) ? new RefusalError(message) : new Error(message)
    }
    const states = results.map((result) => (result as PromiseFulfilledResult<TrafficState>).value)
    states.forEach((state, i) => {
      const member = this.members[i]
      if (!member) return
      this.states.set(member, state)
      this.weights.set(member, state.weight)
    })
    const lines = states.map((state, i) => `${this.members[i]?.resource}: ${state.description}`)
    const ownership = fleetOwnership(states)
    return {
      ownership,
      weight: Math.min(...states.map((state) => state.weight)),
      description: ownership === 'foreign' ? lines.filter((_, i) => states[i]?.ownership === 'foreign').join('; ') : lines.join('; '),
      stableVersion: this.versionsOf(states, 'stableVersion'),
      targetVersion: this.versionsOf(states, 'targetVersion'),
      // The oldest hold: history is checked from the earliest moment any member was live.
      since: oldestHold(states),
      baked: states.every((state) => state.ownership !== 'resumable' || state.baked),
    }
  }

  shift(weight: number): Promise<string> {
    return this.each((member) => member.shift(weight), weight)
  }

  promote(): Promise<string> {
    return this.each((member) => member.promote(), 100)
  }

  async markBaked(): Promise<void> {
    await Promise.all(this.members.map((member) => member.markBaked()))
  }

  /** Rolls every member back, even when some fail; then reports all failures at once. */
  async rollback(): Promise<string> {
    const results = await Promise.allSettled(
      this.members.map((member) =>
        this.lost.has(member) ? Promise.reject(new OwnershipError(`${member.resource} was changed by someone else; left alone`)) : member.rollback(),
      ),
    )
    const failures = results.flatMap((result, i) => (result.status === 'rejected' ? [`${this.members[i]?.resource}: ${errorMessage(result.reason)}`] : []))
    results.forEach((result, i) => {
      const member = this.members[i]
      // A member that served the target before this run is left where it was.
      if (member && result.status === 'fulfilled' && this.states.get(member)?.ownership !== 'promoted') this.weights.set(member, 0)
    })
    if (failures.length > 0) {
      const onlyOwnership = results.every((r) => r.status === 'fulfilled' || r.reason instanceof OwnershipError)
      const message = `rolled back ${results.length - failures.length} of ${results.length}; ${failures.join('; ')}`
      throw onlyOwnership ? new OwnershipError(message) : new Error(message)
    }
    return `${this.members.length} functions all on their stable versions`
  }

  report(): MemberReport[] {
    return this.members.map((member) => ({
      resource: member.resource,
      link: member.link,
      stableVersion: this.states.get(member)?.stableVersion ?? '?',
      targetVersion: this.states.get(member)?.targetVersion ?? '?',
      weight: this.weights.get(member) ?? 0,
    }))
  }

  /**
   * Writes every member still below `weight`, concurrently (the shared pacer keeps the request
   * rate down); a member already there or ahead is not written, so it is never lowered. If any
   * write fails, the error names it; a member taken over by someone else is not a reason to
   * leave the others' traffic where it is, so that error is not an OwnershipError here.
   */
  private async each(write: (member: TrafficProvider) => Promise<string>, weight: number): Promise<string> {
    const behind = (member: TrafficProvider) => (this.weights.get(member) ?? 0) < weight - 1e-9
    const results = await Promise.allSettled(this.members.map((member) => (behind(member) ? write(member) : Promise.resolve(undefined))))
    const failures: string[] = []
    results.forEach((result, i) => {
      const member = this.members[i]
      if (!member) return
      if (result.status === 'fulfilled') {
        if (result.value !== undefined) this.weights.set(member, weight)
      } else {
        if (result.reason instanceof OwnershipError) this.lost.add(member)
        failures.push(`${member.resource}: ${errorMessage(result.reason)}`)
      }
    })
    if (failures.length > 0) throw new Error(`${failures.length} of ${this.members.length} functions failed: ${failures.join('; ')}`)
    return `${this.members.length} functions at ${weight}%`
  }

  private versionsOf(states: TrafficState[], key: 'stableVersion' | 'targetVersion'): string {
    return states.map((state, i) => `${this.members[i]?.resource}=${state[key]}`).join(', ')
  }
}
