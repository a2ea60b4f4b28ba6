import { errorMessage, OwnershipError } from '../core/errors.js'
import type { TrafficProvider, TrafficState } from '../core/traffic.js'

/** The earliest hold start among live members; unknown if any live member has none recorded. */
function oldestHold(states: readonly TrafficState[]): number | undefined {
  const live = states.filter((state) => state.ownership === 'resumable')
  if (live.length === 0 || live.some((state) => state.since === undefined)) return undefined
  return Math.min(...live.map((state) => state.since as number))
}

/** One member's state, for the summary's per-function table. */
export interface MemberReport {
  readonly resource: string
  readonly link: string | undefined
  readonly stableVersion: string
  readonly targetVersion: string
  readonly weight: number
}

/**
 * Moves several resources through the same stages in lockstep. The fleet's weight is its
 * least advanced member's, so a re-run after a crash between members never lowers anyone:
 * members already at (or past) a stage's weight are skipped.
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

  async inspect(): Promise<TrafficState> {
    const states = await Promise.all(this.members.map((member) => member.inspect()))
    states.forEach((state, i) => {
      const member = this.members[i]
      if (!member) return
      this.states.set(member, state)
      this.weights.set(member, state.weight)
    })
    const lines = states.map((state, i) => `${this.members[i]?.resource}: ${state.description}`)
    const foreign = states.filter((state) => state.ownership === 'foreign')
    const ownership: TrafficState['ownership'] =
      foreign.length > 0
        ? 'foreign'
        : states.every((state) => state.ownership === 'promoted')
          ? 'promoted'
          : states.some((state) => state.ownership !== 'fresh')
            ? 'resumable'
            : 'fresh'
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
    return this.each((member) => ((this.weights.get(member) ?? 0) >= weight ? undefined : member.shift(weight)), weight)
  }

  promote(): Promise<string> {
    return this.each((member) => ((this.weights.get(member) ?? 0) >= 100 ? undefined : member.promote()), 100)
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
      if (member && result.status === 'fulfilled') this.weights.set(member, 0)
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
   * Writes every member concurrently (the shared pacer keeps the request rate down). If any
   * write fails, the error names it; a member taken over by someone else is not a reason to
   * leave the others' traffic where it is, so that error is not an OwnershipError here.
   */
  private async each(write: (member: TrafficProvider) => Promise<string> | undefined, weight: number): Promise<string> {
    const results = await Promise.allSettled(this.members.map((member) => write(member) ?? Promise.resolve('unchanged')))
    const failures: string[] = []
    results.forEach((result, i) => {
      const member = this.members[i]
      if (!member) return
      if (result.status === 'fulfilled') this.weights.set(member, weight)
      else {
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
