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

/**
 * EC2/on-premises: the same revision to each deployment group in turn (a canary group first, then
 * the fleet). The action's alarms are read on every poll of each deployment and once more between
 * groups; the next group starts only on a green read. If the rollout fails after a group finished,
 * each finished group gets its previous revision redeployed (last group first), followed to its end.
 */
export async function releaseServer(deps: ReleaseDeps, inputs: CodeDeployInputs): Promise<CodeDeployOutcome> {
  const { log } = deps
  const target = describeRevision(inputs.revision)
  const refs: DeploymentRef[] = []
  const rows: PollRow[] = []
  let callsPerPoll: number | undefined
  let stable: string | undefined
  const base = { platform: 'Server', targetVersion: target }

  // Everything read before the first write: every group exists and is a Server group, no foreign deployment is active.
  const attach = new Map<string, DeploymentInfo>()
  const points = new Map<string, RestorePoint>()
  try {
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
  } catch (error) {
    if (error instanceof Refusal) return emptyOutcome('refused', error.message, base)
    throw error
  }

  // Groups that took the new revision, in rollout order.
  const finished: string[] = []
  const restoreDeps: RestoreDeps = {
    writeClient: deps.writeClient,
    stopClient: deps.stopClient,
    clock: deps.clock,
    log,
    pollMs: deps.pollMs,
    region: deps.region,
  }
  const description = restoreDescription(inputs.runUrl)
  const pointOf = (group: string): RestorePoint => points.get(group) ?? { group, revision: undefined, note: 'no previous revision was recorded' }
  const start = (groups: readonly string[]): Promise<StartedRestore[]> => startRestores(restoreDeps, inputs.application, groups.map(pointOf), description)
  const saved = (): { application: string; groups: { group: string; revision: NonNullable<RestorePoint['revision']> }[] } => ({
    application: inputs.application,
    groups: finished.flatMap((g) => {
      const revision = points.get(g)?.revision
      return revision ? [{ group: g, revision }] : []
    }),
  })

  for (const [index, group] of inputs.groups.entries()) {
    const stage = `stage ${index + 1}/${inputs.groups.length} (group ${group})`
    const partial = (result: CodeDeployOutcome['result'], reason: string, extra: Partial<CodeDeployOutcome> = {}): CodeDeployOutcome => ({
      ...emptyOutcome(result, reason, base),
      stableVersion: stable,
      deployments: refs,
      rows,
      callsPerPoll,
      ...extra,
    })
    /**
     * The rollout failed with `finished` groups on the new revision: redeploy their previous revisions
     * (`started` when a cancel already sent them). `currentOk`: nothing else is left on the new revision.
     */
    const failAndRestore = async (
      result: CodeDeployOutcome['result'],
      reason: string,
      currentOk: boolean,
      extra: Partial<CodeDeployOutcome> = {},
      started?: Promise<StartedRestore[]>,
    ): Promise<CodeDeployOutcome> => {
      if (finished.length === 0) return partial(result, reason, extra)
      log.startGroup(`Restoring ${finished.length} finished group${finished.length === 1 ? '' : 's'} (${[...finished].reverse().join(', ')})`)
      let restored: RestoreResult[]
      try {
        restored = await followRestores(restoreDeps, await (started ?? start(finished)))
      } finally {
        log.endGroup()
      }
      for (const r of restored) if (r.deploymentId) refs.push({ id: r.deploymentId, group: r.group, kind: 'redeploy', status: r.status ?? '?' })
      const allBack = currentOk && restored.every((r) => r.problem === undefined)
      // A restore that failed is tried again by the post step (main leaves the run unsettled); a group with no previous revision cannot be.
      const retryable = restored.some((r) => r.problem !== undefined && points.get(r.group)?.revision !== undefined)
      const settled = !retryable && extra.settled !== false
      return partial(allBack ? 'rolled-back' : 'failed', `${reason}; ${describeRestores(restored)}`, { ...extra, restored, settled })
    }
    if (index > 0) {
      const reading = await deps.gate.check(deps.signal)
      log.info(`Between stages: ${describeReading(reading)}`)
      if (deps.signal.aborted) return failAndRestore('failed', `the workflow was cancelled before ${stage}`, true)
      if (reading.status !== 'pass') {
        const alarm = reading.firing[0]
        return failAndRestore('failed', `${describeReading(reading)} before ${stage}; later groups were not deployed`, true, { alarm, alarmName: alarm?.name })
      }
    }
    log.startGroup(`${stage}: ${target ?? ''}`)
    let id: string
    try {
      const mine = attach.get(group)
      if (mine?.deploymentId) {
        id = mine.deploymentId
        log.info(`Attaching to this commit's deployment ${id} (${mine.status ?? '?'}) instead of starting another.`)
      } else {
        if (deps.signal.aborted)
          return index === 0
            ? partial('refused', `the workflow was cancelled before ${stage}`)
            : failAndRestore('failed', `the workflow was cancelled before ${stage}`, true)
        id = await createDeployment(deps, inputs, group, inputs.revision ?? {}, undefined)
        log.info(`Created deployment ${id}: ${deploymentLink(deps.region, id)}`)
      }
    } catch (error) {
      log.endGroup()
      if (error instanceof Refusal) return index === 0 ? partial('refused', error.message) : failAndRestore('failed', error.message, true)
      throw error
    }
    deps.onDeployment(id, saved())
    const ref: DeploymentRef = { id, group, kind: 'deployment', status: 'Created' }
    refs.push(ref)
    const watcher = new DeploymentWatcher(deps, id, { readTarget: false, holdOnReady: false })
    let groupOpen = true
    try {
      const end = await watcher.watch()
      // On a cancel, the redeploys of finished groups go out right after the StopDeployment, before its rollback is followed.
      let early: Promise<StartedRestore[]> | undefined
      const afterStop =
        end.kind === 'cancelled' && finished.length > 0
          ? (): void => {
              early = start(finished)
            }
          : undefined
      const c = await conclude(deps, id, end, undefined, afterStop)
      rows.push(...watcher.rows)
      if (watcher.lastCallsPerPoll !== undefined) callsPerPoll = watcher.lastCallsPerPoll
      stable ??= describeRevision(watcher.info?.previousRevision)
      ref.status = c.finalStatus ?? watcher.info?.status ?? '?'
      if (c.rollbackId) refs.push({ id: c.rollbackId, group, kind: 'rollback', status: c.rollbackStatus ?? '?' })
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
          if (early) started = Promise.all([start([group]), early]).then(([a, b]) => [...a, ...b])
          finished.push(group)
        }
        const currentOk = c.result === 'rolled-back' || c.finalStatus === 'Succeeded'
        groupOpen = false
        log.endGroup()
        return await failAndRestore(c.result, `${stage}: ${c.reason ?? ''}`, currentOk, extra, started)
      }
      log.info(`${stage} succeeded.`)
      finished.push(group)
      deps.onDeployment(id, index === inputs.groups.length - 1 ? { application: inputs.application, groups: [] } : saved())
    } catch (error) {
      rows.push(...watcher.rows)
      throw new Error(`${stage}, deployment ${id}: ${errorMessage(error)}`)
    } finally {
      if (groupOpen) log.endGroup()
    }
  }
  return { ...emptyOutcome('promoted', undefined, base), stableVersion: stable, weight: 100, deployments: refs, rows, callsPerPoll }
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
