import { OwnershipError, RefusalError } from '../src/core/errors.js'
import { describeRouting, type Routing, type TrafficProvider, type TrafficState } from '../src/core/traffic.js'

export type Write = { kind: 'shift' | 'promote' | 'rollback'; routing: Routing }

/** An in-memory alias-like provider rolling out version 2, recording every write. */
export class FakeProvider implements TrafficProvider {
  readonly resource = 'fn:live'
  readonly link = 'https://console.example/fn/live'
  readonly writes: Write[] = []
  readonly target = '2'
  versions = new Set(['1', '2', '3'])
  /** Make inspect() refuse, as a provider does for a precondition it cannot meet. */
  refusal: RefusalError | undefined
  /** Make the next write of this kind throw. */
  failNext: Partial<Record<Write['kind'], Error>> = {}
  private stable: string | undefined
  /** When the canary's share was last set, as the resource records it. */
  since: number | undefined
  /** Whether the resource records the current share's bake as finished. */
  baked = false

  constructor(public routing: Routing = { stableVersion: '1', canaryVersion: undefined, canaryWeight: 0 }) {}

  async inspect(): Promise<TrafficState> {
    const r = this.routing
    const state = (ownership: TrafficState['ownership'], weight: number): TrafficState => ({
      ownership,
      weight,
      description: describeRouting(r),
      stableVersion: r.stableVersion,
      targetVersion: this.target,
      since: this.since,
      baked: this.baked,
    })
    if (r.canaryVersion === undefined && r.stableVersion === this.target) {
      this.stable = this.target
      return state('promoted', 100)
    }
    if (r.canaryVersion !== undefined && r.canaryVersion !== this.target) return state('foreign', r.canaryWeight)
    if (this.refusal) throw this.refusal
    if (!this.versions.has(this.target)) throw new RefusalError(`version ${this.target} does not exist`)
    this.stable = r.stableVersion
    return r.canaryVersion === this.target ? state('resumable', r.canaryWeight) : state('fresh', 0)
  }

  async shift(weight: number): Promise<string> {
    return this.write('shift', { stableVersion: this.stable!, canaryVersion: this.target, canaryWeight: weight })
  }

  async promote(): Promise<string> {
    return this.write('promote', { stableVersion: this.target, canaryVersion: undefined, canaryWeight: 0 })
  }

  async markBaked(): Promise<void> {
    this.baked = true
  }

  async rollback(): Promise<string> {
    // Served the target before this run: nothing of ours to undo.
    if (this.stable === this.target && this.writes.length === 0) return describeRouting(this.routing)
    const ours = this.routing.canaryVersion === this.target || this.routing.stableVersion === this.target
    if (!ours && this.routing.stableVersion !== this.stable) throw new OwnershipError('not ours')
    return this.write('rollback', { stableVersion: this.stable!, canaryVersion: undefined, canaryWeight: 0 })
  }

  /** The canary weights written, in order (a rollback writes 0, a promote 100). */
  get servedWeights(): number[] {
    return this.writes.map((w) => (w.kind === 'promote' ? 100 : w.routing.canaryWeight))
  }

  private write(kind: Write['kind'], routing: Routing): string {
    const failure = this.failNext[kind]
    if (failure) {
      delete this.failNext[kind]
      throw failure
    }
    this.routing = routing
    this.writes.push({ kind, routing })
    return describeRouting(routing)
  }
}
