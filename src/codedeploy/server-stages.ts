import type { DeploymentInfo } from '@aws-sdk/client-codedeploy'
import { errorMessage } from '../core/errors.js'
import { describeReading, type GateReading } from '../core/gate.js'
import { activeDeployments, describeActive, isThisCommits } from './active.js'
import { deploymentLink } from './clients.js'
import { conclude } from './conclude.js'
import { emptyOutcome, type CodeDeployOutcome, type DeploymentRef, type PollRow } from './outcome.js'
import { attachedUnderFailingGate, createDeployment, gateProblem, readGroup, Refusal, warnAboutRollbackConfig, type ReleaseDeps } from './release.js'
import { describeRevision } from './revision.js'
import type { CodeDeployInputs } from './inputs.js'
import {
  describeRestores,
  followRestores,
  restoreDescription,
  restorePoint,
  startRestores,
  type RestoreDeps,
  type RestorePoint,
  type RestoreResult,
  type StartedRestore,
} from './restore.js'
import { DeploymentWatcher } from './watcher.js'
import { quote } from '../core/quote.js'

type Outcome = CodeDeployOutcome
type Base = Partial<CodeDeployOutcome>

/** What was read before the first write: each group's restore point, and this commit's deployments to attach to. */
interface Checked {
  readonly attach: ReadonlyMap<string, DeploymentInfo>
  readonly points: ReadonlyMap<string, RestorePoint>
}

/**
 * Everything read before the first write: every group exists and is a Server group, no foreign
 * deployment is active, and the gate allows a start (or this commit's deployments are stopped).
 */
async function checkGroups(deps: ReleaseDeps, inputs: CodeDeployInputs, base: Base): Promise<Checked | Outcome> {
  const { log } = deps
  const attach = new Map<string, DeploymentInfo>()
  const points = new Map<string, RestorePoint>()
  for (const group of inputs.groups) {
    const groupInfo = await readGroup(deps.client, inputs.application, group, 'Server')
    warnAboutRollbackConfig(groupInfo, (m) => log.warning(m))
    const point = await restorePoint(deps.client, groupInfo, group, inputs.revision)
    points.set(group, point)
    if (point.revision)
      log.info(`Deployment group ${group} serves ${describeRevision(point.revision) ?? '?'}: restored to it if the rollout fails after this group.`)
    else if (inputs.groups.length > 1) log.warning(`Deployment group ${group} cannot be restored if the rollout fails after it: ${point.note ?? '?'}.`)
    const active = await activeDeployments(deps.client, inputs.application, group)
    const other = active.find((d) => !isThisCommits(d, inputs.sha))
    if (other) throw new Refusal(`deployment group ${quote(group)} already has an active deployment that is not this commit's: ${describeActive(other)}`)
    const mine = active[0]
    if (mine) attach.set(group, mine)
  }
  const reading = await deps.gate.check(deps.signal)
  const problem = gateProblem(reading)
  if (problem !== undefined && attach.size === 0) throw new Refusal(problem)
  if (problem !== undefined) return await stopAttached(deps, attach, reading, base)
  return { attach, points }
}

/**
 * EC2/on-premises: the same revision to each deployment group in turn (a canary group first, then
 * the fleet). The action's alarms are read on every poll of each deployment and once more between
 * groups; the next group starts only on a green read. If the rollout fails after a group finished,
 * each finished group gets its previous revision redeployed (last group first), followed to its end.
 */
export async function releaseServer(deps: ReleaseDeps, inputs: CodeDeployInputs): Promise<CodeDeployOutcome> {
  const base = { platform: 'Server', targetVersion: describeRevision(inputs.revision) }
  let checked: Checked | Outcome
  try {
    checked = await checkGroups(deps, inputs, base)
  } catch (error) {
    if (error instanceof Refusal) return emptyOutcome('refused', error.message, base)
    throw error
  }
  if ('result' in checked) return checked
  return new ServerRollout(deps, inputs, checked, base).run()
}

/** One EC2/on-prem rollout through its groups, with what it has done so far (for the outcome and the restores). */
class ServerRollout {
  private readonly refs: DeploymentRef[] = []
  private readonly rows: PollRow[] = []
  private callsPerPoll: number | undefined
  private stable: string | undefined
  /** Groups that took the new revision, in rollout order. */
  private readonly finished: string[] = []
  private readonly restoreDeps: RestoreDeps
  private readonly description: string

  constructor(
    private readonly deps: ReleaseDeps,
    private readonly inputs: CodeDeployInputs,
    private readonly checked: Checked,
    private readonly base: Base,
  ) {
    this.restoreDeps = {
      writeClient: deps.writeClient,
      stopClient: deps.stopClient,
      clock: deps.clock,
      log: deps.log,
      pollMs: deps.pollMs,
      region: deps.region,
    }
    this.description = restoreDescription(inputs.runUrl)
  }

  async run(): Promise<Outcome> {
    for (const [index, group] of this.inputs.groups.entries()) {
      const stage = `stage ${index + 1}/${this.inputs.groups.length} (group ${group})`
      const ended = await this.runGroup(index, group, stage)
      if (ended) return ended
    }
    return {
      ...emptyOutcome('promoted', undefined, this.base),
      stableVersion: this.stable,
      weight: 100,
      deployments: this.refs,
      rows: this.rows,
      callsPerPoll: this.callsPerPoll,
    }
  }

  private pointOf(group: string): RestorePoint {
    return this.checked.points.get(group) ?? { group, revision: undefined, note: 'no previous revision was recorded' }
  }

  private start(groups: readonly string[]): Promise<StartedRestore[]> {
    return startRestores(
      this.restoreDeps,
      this.inputs.application,
      groups.map((g) => this.pointOf(g)),
      this.description,
    )
  }

  private saved(): { application: string; groups: { group: string; revision: NonNullable<RestorePoint['revision']> }[] } {
    return {
      application: this.inputs.application,
      groups: this.finished.flatMap((g) => {
        const revision = this.checked.points.get(g)?.revision
        return revision ? [{ group: g, revision }] : []
      }),
    }
  }

  private partial(result: Outcome['result'], reason: string, extra: Partial<Outcome> = {}): Outcome {
    return {
      ...emptyOutcome(result, reason, this.base),
      stableVersion: this.stable,
      deployments: this.refs,
      rows: this.rows,
      callsPerPoll: this.callsPerPoll,
      ...extra,
    }
  }

  /**
   * The rollout failed with `finished` groups on the new revision: redeploy their previous revisions
   * (`started` when a cancel already sent them). `currentOk`: nothing else is left on the new revision.
   */
  private async failAndRestore(
    result: Outcome['result'],
    reason: string,
    currentOk: boolean,
    extra: Partial<Outcome> = {},
    started?: Promise<StartedRestore[]>,
  ): Promise<Outcome> {
    const { log } = this.deps
    const finished = this.finished
    if (finished.length === 0) return this.partial(result, reason, extra)
    log.startGroup(`Restoring ${finished.length} finished group${finished.length === 1 ? '' : 's'} (${[...finished].reverse().join(', ')})`)
    let restored: RestoreResult[]
    try {
      restored = await followRestores(this.restoreDeps, await (started ?? this.start(finished)))
    } finally {
      log.endGroup()
    }
    for (const r of restored) if (r.deploymentId) this.refs.push({ id: r.deploymentId, group: r.group, kind: 'redeploy', status: r.status ?? '?' })
    const allBack = currentOk && restored.every((r) => r.problem === undefined)
    // A restore that failed is tried again by the post step (main leaves the run unsettled); a group with no previous revision cannot be.
    const retryable = restored.some((r) => r.problem !== undefined && this.checked.points.get(r.group)?.revision !== undefined)
    const settled = !retryable && extra.settled !== false
    return this.partial(allBack ? 'rolled-back' : 'failed', `${reason}; ${describeRestores(restored)}`, { ...extra, restored, settled })
  }

  /** The gate read between groups: the next group starts only on a green read. */
  private async betweenGroups(stage: string): Promise<Outcome | undefined> {
    const reading = await this.deps.gate.check(this.deps.signal)
    this.deps.log.info(`Between stages: ${describeReading(reading)}`)
    if (this.deps.signal.aborted) return this.failAndRestore('failed', `the workflow was cancelled before ${stage}`, true)
    if (reading.status !== 'pass') {
      const alarm = reading.firing[0]
      return this.failAndRestore('failed', `${describeReading(reading)} before ${stage}; later groups were not deployed`, true, {
        alarm,
        alarmName: alarm?.name,
      })
    }
    return undefined
  }

  /** Attach to this commit's deployment in the group, or create one; an outcome when the rollout ends here. */
  private async deploymentFor(index: number, group: string, stage: string): Promise<string | Outcome> {
    const { deps, inputs } = this
    const mine = this.checked.attach.get(group)
    if (mine?.deploymentId) {
      deps.log.info(`Attaching to this commit's deployment ${mine.deploymentId} (${mine.status ?? '?'}) instead of starting another.`)
      return mine.deploymentId
    }
    if (deps.signal.aborted)
      return index === 0
        ? this.partial('refused', `the workflow was cancelled before ${stage}`)
        : this.failAndRestore('failed', `the workflow was cancelled before ${stage}`, true)
    const id = await createDeployment(deps, inputs, group, inputs.revision ?? {}, undefined)
    deps.log.info(`Created deployment ${id}: ${deploymentLink(deps.region, id)}`)
    return id
  }

  /** One group: the gate between groups, the deployment, its watch and conclusion. Undefined: on to the next group. */
  private async runGroup(index: number, group: string, stage: string): Promise<Outcome | undefined> {
    const { deps, inputs } = this
    const { log } = deps
    if (index > 0) {
      const stopped = await this.betweenGroups(stage)
      if (stopped) return stopped
    }
    log.startGroup(`${stage}: ${this.base.targetVersion ?? ''}`)
    let id: string
    try {
      const got = await this.deploymentFor(index, group, stage)
      // Cancelled before this group's deployment: the stage's log group is left to the runner to close, as before.
      if (typeof got !== 'string') return got
      id = got
    } catch (error) {
      log.endGroup()
      if (error instanceof Refusal) return index === 0 ? this.partial('refused', error.message) : this.failAndRestore('failed', error.message, true)
      throw error
    }
    deps.onDeployment(id, this.saved())
    const ref: DeploymentRef = { id, group, kind: 'deployment', status: 'Created' }
    this.refs.push(ref)
    const watcher = new DeploymentWatcher(deps, id, { readTarget: false, holdOnReady: false })
    let groupOpen = true
    try {
      const end = await watcher.watch()
      // On a cancel, the redeploys of finished groups go out right after the StopDeployment, before its rollback is followed.
      let early: Promise<StartedRestore[]> | undefined
      const afterStop =
        end.kind === 'cancelled' && this.finished.length > 0
          ? (): void => {
              early = this.start(this.finished)
            }
          : undefined
      const c = await conclude(deps, id, end, undefined, afterStop)
      this.rows.push(...watcher.rows)
      if (watcher.lastCallsPerPoll !== undefined) this.callsPerPoll = watcher.lastCallsPerPoll
      this.stable ??= describeRevision(watcher.info?.previousRevision)
      ref.status = c.finalStatus ?? watcher.info?.status ?? '?'
      if (c.rollbackId) this.refs.push({ id: c.rollbackId, group, kind: 'rollback', status: c.rollbackStatus ?? '?' })
      if (c.result !== 'promoted') {
        const extra = {
          alarm: c.alarm,
          alarmName: c.alarmName,
          errorCode: c.errorCode,
          stopLatencyMs: c.stopLatencyMs,
          weight: undefined,
          settled: c.settled,
        }
        let started = early
        if (c.finalStatus === 'Succeeded') {
          // Too late to stop: this group has the new revision too, and is restored first.
          if (early) started = Promise.all([this.start([group]), early]).then(([a, b]) => [...a, ...b])
          this.finished.push(group)
        }
        const currentOk = c.result === 'rolled-back' || c.finalStatus === 'Succeeded'
        groupOpen = false
        log.endGroup()
        return await this.failAndRestore(c.result, `${stage}: ${c.reason ?? ''}`, currentOk, extra, started)
      }
      log.info(`${stage} succeeded.`)
      this.finished.push(group)
      deps.onDeployment(id, index === inputs.groups.length - 1 ? { application: inputs.application, groups: [] } : this.saved())
      return undefined
    } catch (error) {
      this.rows.push(...watcher.rows)
      throw new Error(`${stage}, deployment ${id}: ${errorMessage(error)}`)
    } finally {
      if (groupOpen) log.endGroup()
    }
  }
}

/**
 * A re-run found this commit's deployments running while the gate forbids a start: each is stopped
 * with rollback (followed to its end) rather than left running unwatched. Later groups are not started.
 */
async function stopAttached(
  deps: ReleaseDeps,
  attach: ReadonlyMap<string, DeploymentInfo>,
  reading: GateReading,
  base: Partial<CodeDeployOutcome>,
): Promise<CodeDeployOutcome> {
  const refs: DeploymentRef[] = []
  const reasons: string[] = []
  let failed = false
  let settled = true
  let alarm: CodeDeployOutcome['alarm']
  for (const [group, info] of [...attach.entries()].reverse()) {
    const id = info.deploymentId ?? ''
    const end = attachedUnderFailingGate(reading, id)
    if (!end) continue
    deps.onDeployment(id)
    const c = await conclude(deps, id, end, undefined)
    refs.push({ id, group, kind: 'deployment', status: c.finalStatus ?? info.status ?? '?' })
    if (c.rollbackId) refs.push({ id: c.rollbackId, group, kind: 'rollback', status: c.rollbackStatus ?? '?' })
    if (c.result !== 'rolled-back') failed = true
    settled &&= c.settled
    alarm ??= c.alarm
    reasons.push(`group ${group}: ${c.reason ?? ''}`)
  }
  return {
    ...emptyOutcome(failed ? 'failed' : 'rolled-back', reasons.join('; '), base),
    deployments: refs,
    alarm,
    alarmName: alarm?.name,
    settled,
  }
}
