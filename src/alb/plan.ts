import { type CloudWatchClient, DescribeAlarmHistoryCommand } from '@aws-sdk/client-cloudwatch'
import { cloudWatchClient } from '../aws/cloudwatch-client.js'
import { checkWritePermissions, logPermissions, type WritePermission } from '../aws/permissions.js'
import { systemClock } from '../core/clock.js'
import { formatDuration } from '../core/duration.js'
import { errorMessage, RefusalError } from '../core/errors.js'
import { describeReading } from '../core/gate.js'
import type { Config } from '../core/inputs.js'
import { holds } from '../core/stages.js'
import type { StepContext, StepResult } from '../core/step.js'
import { alarmGateFor } from '../gates/alarms.js'
import { analysisGateFor, describeAnalysis } from '../gates/analysis/setup.js'
import { groupName } from './forward.js'
import type { AlbInputs } from './inputs.js'
import { listenerRelease, subjectsOf } from './run.js'
import { weightsFor } from './weights.js'

/**
 * The writes a deploy makes on the listener (or rule): the forward action and the hold tags, and
 * with `canary-users` its own rule. That rule does not exist yet, so its writes are simulated on a
 * rule ARN of this listener that no real rule has: DeleteRule, and AddTags with the
 * elasticloadbalancing:CreateAction condition key, which is how ELB authorises tags given to CreateRule.
 */
export function albWrites(alb: AlbInputs): WritePermission[] {
  const { kind, arn, listenerArn } = alb.listener
  const writes: WritePermission[] = [
    { action: kind === 'rule' ? 'elasticloadbalancing:ModifyRule' : 'elasticloadbalancing:ModifyListener', resources: [arn] },
    { action: 'elasticloadbalancing:AddTags', resources: [arn] },
    { action: 'elasticloadbalancing:RemoveTags', resources: [arn] },
  ]
  if (alb.users.length > 0) {
    const rule = `${listenerArn.replace(':listener/', ':listener-rule/')}/0000000000000000`
    writes.push({ action: 'elasticloadbalancing:CreateRule', resources: [listenerArn] })
    writes.push({
      action: 'elasticloadbalancing:AddTags',
      resources: [rule],
      context: [{ key: 'elasticloadbalancing:CreateAction', values: ['CreateRule'] }],
    })
    writes.push({ action: 'elasticloadbalancing:DeleteRule', resources: [rule] })
  }
  return writes
}

/** What a resume reads when a held canary is found: alarm history, both alarm types. */
async function probeAlarmHistory(client: CloudWatchClient): Promise<void> {
  const now = Date.now()
  await client.send(
    new DescribeAlarmHistoryCommand({
      StartDate: new Date(now - 60_000),
      EndDate: new Date(now),
      MaxRecords: 1,
      AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
    }),
  )
}

/**
 * `mode: plan`: reads the listener (whose rollout it is, the canary group's health, where the users'
 * rule would go), the alarms and their history, and the canary metrics; simulates the writes; prints
 * the schedule with ALB weights. Writes nothing. Any problem ends it `refused`.
 */
export async function planListener(config: Config, alb: AlbInputs, context: StepContext): Promise<StepResult> {
  const release = listenerRelease(config.region, alb, alb.targetGroup ?? '')
  const cloudWatch = cloudWatchClient(config.region)
  const { log } = context
  const { provider } = release
  try {
    const problems: string[] = []
    const fail = (problem: string) => {
      problems.push(problem)
      log.error(`✗ ${problem}`)
    }
    try {
      const state = await provider.inspect()
      log.info(`✓ ${provider.resource} routes ${state.description} (${state.ownership})`)
      if (state.ownership === 'foreign') fail(`${provider.resource} forwards to no target group this rollout can own`)
      const health = await provider.canaryHealth()
      if (health) fail(health)
      const placement = await provider.usersRuleProblem()
      if (placement) fail(`canary users' rule: ${placement}`)
      else if (alb.users.length > 0) log.info(`✓ ${provider.usersRule ? "the canary users' rule is live" : "a priority is free for the canary users' rule"}`)
    } catch (error) {
      fail(error instanceof RefusalError ? error.message : `could not read ${provider.resource}: ${errorMessage(error)}`)
    }
    const gate = alarmGateFor(config, cloudWatch, systemClock)
    const reading = await gate.check()
    if (reading.status === 'pass') log.info(`✓ gate: ${describeReading(reading)}`)
    else fail(`gate: ${describeReading(reading)}`)
    // History is read when a held canary with alarms is resumed.
    if (gate.names.length > 0) {
      try {
        await probeAlarmHistory(cloudWatch)
        log.info('✓ alarm history: cloudwatch:DescribeAlarmHistory')
      } catch (error) {
        fail(`alarm history: cloudwatch:DescribeAlarmHistory: ${errorMessage(error)}`)
      }
    }
    const settings = `Canary analysis: ${describeAnalysis(config.analysis, 'requests')}`
    log.info(settings)
    const subjects = subjectsOf(provider, alb)
    const analysis = analysisGateFor(config, cloudWatch, systemClock, subjects, 'requests')
    // Without both groups (the listener could not be read) there is nothing to read the metrics of.
    if (analysis && subjects().length > 0) {
      const read = await analysis.check()
      const detail = read.status === 'pass' ? (read.notes ?? []).join('; ') : (read.error ?? describeReading(read))
      if (read.status === 'pass') log.info(`✓ canary analysis: cloudwatch:GetMetricData: ${detail}`)
      else fail(`canary analysis: ${detail}`)
    }
    const permissions = logPermissions(await checkWritePermissions(config.region, () => albWrites(alb), context.signal), log)
    problems.push(...permissions.problems)
    let offset = 0
    const rows = config.stages.map((stage, index) => {
      const pair = weightsFor(stage.weight)
      const share = stage.users ? 'canary users' : `${stage.weight}%`
      const row = `| ${index + 1} | ${share} | ${stage.users ? '–' : `${pair.canary} : ${pair.stable}`} | +${formatDuration(offset)} | ${formatDuration(stage.bakeMs)} |`
      offset += stage.bakeMs
      return row
    })
    const table = ['| Stage | Share | ALB weights (canary : stable) | Starts at | Bake |', '|---|---|---|---|---|', ...rows].join('\n')
    const held = holds(config.stages) ? `\n\nHolds at ${config.stages.at(-1)?.weight ?? 0}% after the last stage; a later run promotes.` : ''
    log.info(table)
    const ready = problems.length === 0
    const flagged = [...problems.map((p) => `\n- ⛔ ${p}`), ...permissions.warnings.map((w) => `\n- ⚠️ ${w}`)].join('')
    const summary = `## Canary release: plan for ${provider.resource}: ${ready ? '✅ ready' : '⛔ not ready'}\n\n${table}${held}\n\n${settings}.\n${flagged}\n`
    const outputs = {
      result: ready ? 'planned' : 'refused',
      reason: problems.join('; '),
      weight: String(provider.liveWeight ?? 0),
      'stable-version': provider.stableGroup ? groupName(provider.stableGroup) : '',
      'target-version': alb.targetGroup ?? '',
      alarm: '',
    }
    if (!ready) return { outputs, summary, failure: `Plan found problems: ${problems.join('; ')}`, settled: true }
    return { outputs, summary, settled: true, conclusion: 'Plan: every check passed; nothing was changed.' }
  } finally {
    release.destroy()
    cloudWatch.destroy()
  }
}
