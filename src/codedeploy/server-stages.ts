import type { DeploymentInfo } from '@aws-sdk/client-codedeploy'
import { errorMessage } from '../errors.js'
import { describeReading } from '../gate.js'
import { activeDeployments, describeActive, isThisCommits } from './active.js'
import { deploymentLink } from './clients.js'
import { conclude } from './conclude.js'
import { emptyOutcome, type CodeDeployOutcome, type DeploymentRef, type PollRow } from './outcome.js'
import { checkGateBeforeStart, createDeployment, readGroup, Refusal, warnAboutRollbackConfig, type ReleaseDeps } from './release.js'
import { describeRevision } from './revision.js'
import type { CodeDeployInputs } from './inputs.js'
import { DeploymentWatcher } from './watcher.js'

/**
 * EC2/on-premises: the same revision to each deployment group in turn (a canary group first, then
 * the fleet). The action's alarms are read on every poll of each deployment and once more between
 * groups; the next group starts only on a green read.
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
  try {
    for (const group of inputs.groups) {
      warnAboutRollbackConfig(await readGroup(deps.client, inputs.application, group, 'Server'), (m) => log.warning(m))
      const active = await activeDeployments(deps.client, inputs.application, group)
      const other = active.find((d) => !isThisCommits(d, inputs.sha))
      if (other) throw new Refusal(`deployment group ${JSON.stringify(group)} already has an active deployment that is not this commit's: ${describeActive(other)}`)
      const mine = active[0]
      if (mine) attach.set(group, mine)
    }
    await checkGateBeforeStart(deps.gate, deps.signal)
  } catch (error) {
    if (error instanceof Refusal) return emptyOutcome('refused', error.message, base)
    throw error
  }

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
    if (index > 0) {
      const reading = await deps.gate.check(deps.signal)
      log.info(`Between stages: ${describeReading(reading)}`)
      if (deps.signal.aborted) return partial('failed', `the workflow was cancelled before ${stage}; earlier groups keep ${target ?? 'the revision'}`)
      if (reading.status !== 'pass') {
        const alarm = reading.firing[0]
        return partial('failed', `${describeReading(reading)} before ${stage}; earlier groups keep ${target ?? 'the revision'}, later ones were not deployed`, {
          alarm,
          alarmName: alarm?.name,
        })
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
        if (deps.signal.aborted) return partial(index === 0 ? 'refused' : 'failed', `the workflow was cancelled before ${stage}`)
        id = await createDeployment(deps, inputs, group, inputs.revision ?? {}, undefined)
        log.info(`Created deployment ${id}: ${deploymentLink(deps.region, id)}`)
      }
    } catch (error) {
      log.endGroup()
      if (error instanceof Refusal) return partial(index === 0 ? 'refused' : 'failed', error.message)
      throw error
    }
    deps.onDeployment(id)
    const ref: DeploymentRef = { id, group, kind: 'deployment', status: 'Created' }
    refs.push(ref)
    const watcher = new DeploymentWatcher(deps, id, { readTarget: false, holdOnReady: false })
    try {
      const end = await watcher.watch()
      const c = await conclude(deps, id, end, undefined)
      rows.push(...watcher.rows)
      if (watcher.lastCallsPerPoll !== undefined) callsPerPoll = watcher.lastCallsPerPoll
      stable ??= describeRevision(watcher.info?.previousRevision)
      ref.status = c.finalStatus ?? watcher.info?.status ?? '?'
      if (c.rollbackId) refs.push({ id: c.rollbackId, group, kind: 'rollback', status: c.rollbackStatus ?? '?' })
      if (c.result !== 'promoted') {
        const earlier = index > 0 ? `; earlier groups (${inputs.groups.slice(0, index).join(', ')}) keep ${target ?? 'the revision'}` : ''
        return partial(c.result, `${stage}: ${c.reason ?? ''}${earlier}`, {
          alarm: c.alarm,
          alarmName: c.alarmName,
          errorCode: c.errorCode,
          stopLatencyMs: c.stopLatencyMs,
          weight: undefined,
        })
      }
      log.info(`${stage} succeeded.`)
    } catch (error) {
      rows.push(...watcher.rows)
      throw new Error(`${stage}, deployment ${id}: ${errorMessage(error)}`)
    } finally {
      log.endGroup()
    }
  }
  return { ...emptyOutcome('promoted', undefined, base), stableVersion: stable, weight: 100, deployments: refs, rows, callsPerPoll }
}
