import { describeReading } from '../core/gate.js'
import { preflight } from '../core/preflight.js'
import { type CloudWatchClient, DescribeAlarmHistoryCommand } from '@aws-sdk/client-cloudwatch'
import { aliasRelease, specsFor } from './release.js'
import { cloudWatchClient } from '../aws/cloudwatch-client.js'
import { checkWritePermissions, logPermissions, type WritePermission } from '../aws/permissions.js'
import { systemClock } from '../core/clock.js'
import { formatDuration } from '../core/duration.js'
import { errorMessage } from '../core/errors.js'
import { alarmGateFor } from '../gates/alarms.js'
import { lambdaSubject } from '../gates/analysis/queries.js'
import { analysisGateFor, describeAnalysis, estimateWarnings } from '../gates/analysis/setup.js'
import type { Config } from '../core/inputs.js'
import type { Log } from '../core/log.js'
import type { StepContext, StepResult } from '../core/step.js'
import { holds, type Stage } from '../core/stages.js'

export interface ScheduleRow {
  readonly stage: number
  readonly weight: number
  /** When the stage's shift happens, from the start of the rollout (ignoring API time). */
  readonly startOffsetMs: number
  readonly bakeMs: number
}

/** The rollout's timetable: pure, from the stages alone. */
export function schedule(stages: readonly Stage[]): ScheduleRow[] {
  let offset = 0
  return stages.map((stage, index) => {
    const row = { stage: index + 1, weight: stage.weight, startOffsetMs: offset, bakeMs: stage.bakeMs }
    offset += stage.bakeMs
    return row
  })
}

export function renderSchedule(rows: readonly ScheduleRow[], held: boolean): string {
  const lines = ['| Stage | Weight | Starts at | Bake |', '|---|---|---|---|']
  for (const row of rows) lines.push(`| ${row.stage} | ${row.weight}% | +${formatDuration(row.startOffsetMs)} | ${formatDuration(row.bakeMs)} |`)
  if (held) lines.push('', `Holds at ${rows.at(-1)?.weight ?? 0}% after the last stage; a later run promotes.`)
  return lines.join('\n')
}

function isAccessDenied(error: unknown): boolean {
  return error instanceof Error && /AccessDenied|UnauthorizedOperation|not authorized/i.test(`${error.name} ${error.message}`)
}

/** A function's unqualified ARN, from a name, a partial ARN or a full ARN. */
export function functionArn(functionName: string, region: string, account: string, partition: string): string {
  const full = /^(arn:[\w-]+:lambda:[\w-]+:\d{12}:function:[\w-]+)/.exec(functionName)?.[1]
  if (full) return full
  const partial = /^(\d{12}):function:([\w-]+)/.exec(functionName)
  if (partial) return `arn:${partition}:lambda:${region}:${partial[1]}:function:${partial[2]}`
  return `arn:${partition}:lambda:${region}:${account}:function:${functionName}`
}

/**
 * The writes a deploy makes: UpdateAlias on each alias. AWS's docs do not say whether an alias
 * operation is authorised on the function's ARN or the alias's (policies/lambda-alias.json grants
 * both), so both are simulated.
 */
export function aliasWrites(config: Pick<Config, 'region' | 'targets'>): (account: string, partition: string) => WritePermission[] {
  return (account, partition) =>
    config.targets.map((target) => {
      const fn = functionArn(target.functionName, config.region, account, partition)
      return { action: 'lambda:UpdateAlias', resources: [fn, `${fn}:${target.alias}`] }
    })
}

async function probeAlarmHistory(client: CloudWatchClient): Promise<void> {
  const now = Date.now()
  // Both types, as a resume reads them: without AlarmTypes the history has metric alarms only.
  await client.send(
    new DescribeAlarmHistoryCommand({
      StartDate: new Date(now - 60_000),
      EndDate: new Date(now),
      MaxRecords: 1,
      AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
    }),
  )
}

const bullets = (lines: readonly string[]): string => (lines.length > 0 ? `${lines.map((l) => `- ${l}`).join('\n')}\n\n` : '')

/** `mode: plan`: everything a deploy would check before its first write, and the schedule. Writes nothing. */
export async function planAliases(config: Config, context: StepContext): Promise<StepResult> {
  const release = aliasRelease(config.region, specsFor(config.targets))
  const cloudWatch = cloudWatchClient(config.region)
  const problems: string[] = []
  const notes: string[] = []
  const check = async (label: string, action: () => Promise<string | void>): Promise<void> => {
    try {
      const detail = await action()
      context.log.info(`✓ ${label}${detail ? `: ${detail}` : ''}`)
    } catch (error) {
      const message = `${label}: ${isAccessDenied(error) ? 'access denied: ' : ''}${errorMessage(error)}`
      problems.push(message)
      context.log.error(`✗ ${message}`)
    }
  }

  try {
    context.log.startGroup('Checks (nothing is written)')
    for (const member of release.members) {
      await check(`${member.resource}: lambda:GetAlias, lambda:GetFunctionConfiguration`, async () => {
        const state = await member.inspect()
        if (state.ownership === 'foreign') throw new Error(`routes ${state.description}: another rollout owns it`)
        return `${state.description} (${state.ownership})`
      })
    }
    // No write, not even a refused one: auditors and CloudTrail alerts count a failed UpdateAlias as a write attempt.
    const permissions = logPermissions(await checkWritePermissions(config.region, aliasWrites(config), context.signal), context.log)
    problems.push(...permissions.problems)
    notes.push(...permissions.warnings)
    const gate = alarmGateFor(config, cloudWatch, systemClock)
    await check('alarms: cloudwatch:DescribeAlarms', async () => {
      const verdict = preflight(await gate.check())
      if (!verdict.ok) throw new Error(verdict.message)
      return verdict.detail
    })
    const analysis = analysisGateFor(config, cloudWatch, systemClock, () =>
      release.members.map((member, i) =>
        lambdaSubject(config.targets[i]?.functionName ?? '', config.targets[i]?.alias ?? '', member.stableVersion ?? '', member.targetVersion),
      ),
    )
    context.log.info(`Canary analysis: ${describeAnalysis(config.analysis)}`)
    if (analysis) {
      await check('canary analysis: cloudwatch:GetMetricData', async () => {
        const reading = await analysis.check()
        if (reading.status !== 'pass') throw new Error(reading.error ?? describeReading(reading))
        return (reading.notes ?? []).join('; ')
      })
      notes.push(...analysisEstimates(analysis, config, context.log))
    }
    // History is read only when a held canary with alarms is resumed.
    if (gate.names.length > 0) await check('alarm history: cloudwatch:DescribeAlarmHistory', () => probeAlarmHistory(cloudWatch))
    context.log.endGroup()

    const rows = schedule(config.stages)
    const table = `${renderSchedule(rows, holds(config.stages))}\n\nCanary analysis: ${describeAnalysis(config.analysis)}.`
    context.log.info(`Schedule:\n${table}`)
    const ready = problems.length === 0
    return {
      outputs: { result: ready ? 'planned' : 'refused', reason: problems.join('; '), weight: '0' },
      summary: `## Canary release plan: ${ready ? '✅ ready' : '⛔ not ready'}\n\n${bullets([...problems.map((p) => `⛔ ${p}`), ...notes.map((n) => `⚠️ ${n}`)])}${table}\n`,
      ...(ready ? {} : { failure: `Plan found ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.join('; ')}` }),
    }
  } finally {
    release.destroy()
    cloudWatch.destroy()
  }
}

/** Each stage's canary invocations estimated from the last hour, logged; the stages that cannot reach min-invocations, as warnings. */
function analysisEstimates(analysis: NonNullable<ReturnType<typeof analysisGateFor>>, config: Config, log: Log): string[] {
  const { lines, warnings } = estimateWarnings(analysis, config.stages)
  for (const line of lines) log.info(line)
  for (const warning of warnings) log.warning(warning)
  return warnings
}
