// Where a revision's tasks run: registered as targets in the revision's target group, so the ALB's
// health view and the traffic simulator see them. A crashing revision's tasks fail a share of the
// requests they serve but pass the ALB's health checks (a health path that still answers), so ECS
// moves traffic to them as it would: only the requests tell. elbv2.setTargetHealth marks them otherwise.
import type { Elbv2State } from '../elbv2/model.js'
import type { EcsState, Service, ServiceRevision } from './model.js'

export class TaskPlacement {
  /** Revision ARN → the target IDs its tasks registered. */
  private readonly targets = new Map<string, string[]>()
  private counter = 0

  constructor(
    private readonly state: EcsState,
    private readonly elbv2: Elbv2State,
  ) {}

  reset(): void {
    this.targets.clear()
  }

  running(revisionArn: string): boolean {
    return this.targets.has(revisionArn)
  }

  /** Revisions with tasks up. */
  revisions(): string[] {
    return [...this.targets.keys()]
  }

  /** Starts the service's desired count of the revision's tasks, healthy. */
  register(service: Service, rev: ServiceRevision): void {
    rev.requestedTaskCount = service.desiredCount
    rev.runningTaskCount = service.desiredCount
    rev.pendingTaskCount = 0
    const group = rev.targetGroupArn === undefined ? undefined : this.elbv2.targetGroups.get(rev.targetGroupArn)
    if (!group) return
    const ids: string[] = []
    for (let i = 0; i < service.desiredCount; i++) {
      this.counter += 1
      const id = `10.20.${Math.floor(this.counter / 250) % 250}.${(this.counter % 250) + 1}`
      ids.push(id)
      group.targets.push({ id, port: group.targetType === 'lambda' ? undefined : 80, state: 'healthy', reason: undefined })
    }
    this.targets.set(rev.arn, ids)
  }

  deregister(rev: ServiceRevision): void {
    rev.requestedTaskCount = 0
    rev.runningTaskCount = 0
    rev.pendingTaskCount = 0
    const ids = this.targets.get(rev.arn)
    this.targets.delete(rev.arn)
    const group = rev.targetGroupArn === undefined ? undefined : this.elbv2.targetGroups.get(rev.targetGroupArn)
    if (!group || !ids) return
    group.targets = group.targets.filter((t) => !ids.includes(t.id))
  }

  /** The share of requests a target group's tasks fail: the crash rate of the revision running in it. */
  errorRateOf(groupArn: string): number | undefined {
    let rate: number | undefined
    for (const revArn of this.targets.keys()) {
      const rev = this.state.revisions.get(revArn)
      if (rev?.targetGroupArn !== groupArn) continue
      const r = this.state.crashing.get(rev.taskDefinition)
      if (r !== undefined) rate = Math.max(rate ?? 0, r)
    }
    return rate
  }
}
