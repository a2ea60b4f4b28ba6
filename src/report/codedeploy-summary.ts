/**
 * CodeDeploy mode's job summary. CodeDeploy moves the traffic, so what the action knows of it is
 * what each poll saw: the table of polls, the chart drawn from them, and the gates that judged them.
 * The types below are the part of src/codedeploy/outcome.ts this reads (the report imports no mode).
 */
import type { RolloutResult } from '../core/engine.js'
import type { AlarmState } from '../core/gate.js'
import { type AnalysisSummary, analysisTable } from './analysis-summary.js'
import { type ChartMark, weightChart } from './chart.js'

export interface CodeDeployReport {
  readonly result: RolloutResult
  readonly weight: number | undefined
  readonly stableVersion: string | undefined
  readonly targetVersion: string | undefined
  readonly alarm: AlarmState | undefined
  readonly alarmName: string | undefined
  readonly reason: string | undefined
  readonly deployments: readonly { readonly id: string; readonly group: string; readonly kind: string; readonly status: string }[]
  readonly rows: readonly {
    readonly at: number
    readonly deploymentId: string
    readonly status: string
    readonly weight: number | undefined
    readonly instances: string | undefined
    readonly gate: string
    readonly polls: number
  }[]
  readonly callsPerPoll: number | undefined
  readonly stopLatencyMs: number | undefined
  readonly configName: string | undefined
  readonly restored: readonly {
    readonly group: string
    readonly problem?: string | undefined
    readonly deploymentId?: string | undefined
    readonly revision?: string | undefined
  }[]
}

export interface CodeDeploySummaryContext {
  readonly what: string
  /** The action's own gate alarms, with their console links. */
  readonly alarms: readonly { readonly name: string; readonly link: string }[]
  readonly deploymentLink: (id: string) => string
  /** The canary analysis's reads (Lambda), keyed by when the weight they judged went live. */
  readonly analysis?: AnalysisSummary | undefined
  /** When the run ended (the chart's right edge); the last poll when not given. */
  readonly endedAt?: number | undefined
}

const RESULT_LINE: Record<RolloutResult, string> = {
  promoted: '✅ Promoted',
  held: '⏸️ Held',
  'rolled-back': '↩️ Rolled back',
  refused: '⛔ Refused to start',
  failed: '❌ Failed',
}

/** What the poll table's gate column says: the alarms' state, not a verdict the analysis may not have reached. */
const GATE_WORDS: Record<string, string> = { OK: 'alarms OK', '–': '–', ALARM: 'failed', unreadable: 'unreadable' }

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
const time = (ms: number): string => new Date(ms).toISOString().slice(11, 19)

/** Where traffic stands at exit, as the last poll saw it. */
export function codeDeployTrafficLine(outcome: CodeDeployReport): string {
  const target = outcome.targetVersion ? `version ${outcome.targetVersion}` : 'the new revision'
  const stable = outcome.stableVersion ? `version ${outcome.stableVersion}` : 'the previous revision'
  switch (outcome.result) {
    case 'promoted':
      return `all on ${target}${outcome.stableVersion ? ` (was ${stable})` : ''}.`
    case 'held':
      return outcome.weight === undefined
        ? `${target} is deployed and waits for CodeDeploy to continue.`
        : `${target} takes ${outcome.weight}%, ${stable} the rest, until CodeDeploy continues.`
    case 'rolled-back':
      return `all back on ${stable}; ${target} takes none.`
    case 'refused':
      return 'unchanged: no deployment was created.'
    case 'failed':
      return outcome.weight === undefined
        ? 'unknown: check the deployment in the console before re-running.'
        : `${target} may still take ${outcome.weight}% (see the log): check the deployment before re-running.`
  }
}

/** The traffic history the polls saw, for the chart: each weight from the poll that first saw it. */
function pollHistory(outcome: CodeDeployReport, endedAt: number) {
  const rows = outcome.rows.filter((r) => r.weight !== undefined)
  const first = rows[0]
  if (!first) return undefined
  const changes = [{ at: first.at, weight: 0 }, ...rows.map((r) => ({ at: r.at, weight: r.weight ?? 0 }))]
  const marks: ChartMark[] = []
  const failedRow = outcome.rows.find((r) => r.gate === 'ALARM')
  if (failedRow) {
    const kind = outcome.alarm || outcome.alarmName ? 'alarm' : 'analysis'
    marks.push({ at: failedRow.at, kind, words: `${kind}: ${(outcome.reason ?? '').split('\n')[0]?.slice(0, 80) ?? ''}` })
  }
  if (outcome.result === 'rolled-back') {
    changes.push({ at: endedAt, weight: 0 })
    marks.push({ at: endedAt, kind: 'rollback', words: 'rolled back' })
  }
  if (outcome.result === 'promoted') marks.push({ at: endedAt, kind: 'promote', words: 'promoted' })
  if (outcome.result === 'held') marks.push({ at: endedAt, kind: 'hold', words: `held at ${outcome.weight ?? '?'}%` })
  return {
    startedAt: first.at,
    endedAt: Math.max(endedAt, first.at + 1000),
    changes,
    marks,
    canary: outcome.targetVersion ? `version ${outcome.targetVersion}` : 'the new revision',
  }
}

/** The analysis reads as the stage table's rows: one per weight the polls saw go live. */
function analysisLines(analysis: AnalysisSummary, outcome: CodeDeployReport, subject: string): string[] {
  const reads = [...analysis.stages.values()].sort((a, b) => a.stageStartedAt - b.stageStartedAt)
  if (reads.length === 0) return []
  // A read's key is when its weight went live: at the latest the poll before the one that saw it.
  const seen = outcome.rows.filter((r) => r.weight !== undefined)
  const weightAt = (at: number): number | undefined => (seen.find((r) => r.at > at) ?? seen.filter((r) => r.at <= at).at(-1))?.weight
  const stages = reads.map((read) => ({
    weight: weightAt(read.stageStartedAt) ?? 0,
    bakeMs: 0,
    startedAt: read.stageStartedAt,
    bakedMs: 0,
    checks: 0,
    result: 'passed' as const,
    label: weightAt(read.stageStartedAt) === undefined ? `from ${time(read.stageStartedAt)}` : `${weightAt(read.stageStartedAt)}%`,
  }))
  const judged = reads.flatMap((read) => read.reports).filter((r) => r.judgement.verdict !== 'no-data')
  const lines: string[] = []
  if (judged.length === 0) {
    lines.push(
      `> [!NOTE]\n> No traffic reached either version of ${cell(subject)} while the action watched: every poll logged "no traffic to either version yet". ` +
        'The canary analysis had nothing to compare; the evidence was the alarms alone.',
      '',
    )
  } else lines.push(...analysisTable(analysis, stages))
  lines.push(`**Canary analysis:** ${analysis.settings}.`, '')
  return lines
}

/** The job summary: outcome and traffic, deployment links, the chart, a compact per-poll table, the gates. */
export function renderCodeDeploySummary(outcome: CodeDeployReport, context: CodeDeploySummaryContext): string {
  const lines: string[] = [`## CodeDeploy release of ${cell(context.what)}: ${RESULT_LINE[outcome.result]}`, '']
  lines.push(`**Traffic now:** ${codeDeployTrafficLine(outcome)}`, '')
  if (outcome.reason) lines.push(`**Why:** ${cell(outcome.reason)}`, '')
  if (outcome.alarm) lines.push(`Alarm [${cell(outcome.alarm.name)}](${outcome.alarm.link}) was **${outcome.alarm.state}**: ${cell(outcome.alarm.reason)}`, '')
  else if (outcome.alarmName) lines.push(`Alarm **${cell(outcome.alarmName)}** stopped the deployment (CodeDeploy's alarm configuration).`, '')
  if (outcome.restored.length > 0) {
    lines.push('**Groups that had finished, put back on their previous revision:**', '')
    for (const r of outcome.restored) {
      const link = r.deploymentId ? ` ([${r.deploymentId}](${context.deploymentLink(r.deploymentId)}))` : ''
      lines.push(
        r.problem ? `- ⚠️ ${cell(r.group)}: **not restored**, ${cell(r.problem)}${link}` : `- ↩️ ${cell(r.group)}: restored to ${cell(r.revision ?? '?')}${link}`,
      )
    }
    lines.push('')
  }
  if (outcome.deployments.length > 0) {
    lines.push('| Deployment | Group | Kind | Status |', '|---|---|---|---|')
    for (const d of outcome.deployments) lines.push(`| [${d.id}](${context.deploymentLink(d.id)}) | ${cell(d.group)} | ${d.kind} | ${d.status} |`)
    lines.push('')
  }
  const facts = [
    outcome.configName ? `config \`${outcome.configName}\`` : undefined,
    outcome.stableVersion ? `stable ${outcome.stableVersion}` : undefined,
    outcome.targetVersion ? `target ${outcome.targetVersion}` : undefined,
    outcome.weight !== undefined ? `new version's traffic at exit ${outcome.weight}%` : undefined,
    outcome.callsPerPoll !== undefined ? `API calls per poll ${outcome.callsPerPoll}` : undefined,
    outcome.stopLatencyMs !== undefined ? `StopDeployment ${outcome.stopLatencyMs} ms after the alarm/cancel was seen` : undefined,
  ].filter((f): f is string => f !== undefined)
  if (facts.length > 0) lines.push(facts.map(cell).join(' · '), '')

  const last = outcome.rows.at(-1)
  const history = pollHistory(outcome, context.endedAt ?? last?.at ?? 0)
  const chart = history ? weightChart(history) : undefined
  if (chart) lines.push(chart, '')
  if (context.analysis) lines.push(...analysisLines(context.analysis, outcome, context.what))

  if (outcome.rows.length > 0) {
    lines.push('| From (UTC) | Polls | Deployment | Status | Traffic | Gate |', '|---|---|---|---|---|---|')
    for (const row of outcome.rows.slice(-50)) {
      const traffic = row.weight !== undefined ? `${row.weight}%` : row.instances !== undefined ? `${row.instances} instances` : '–'
      lines.push(`| ${time(row.at)} | ${row.polls} | ${row.deploymentId} | ${row.status} | ${traffic} | ${GATE_WORDS[row.gate] ?? cell(row.gate)} |`)
    }
    if (outcome.rows.length > 50) lines.push('', `(${outcome.rows.length - 50} earlier rows omitted)`)
    lines.push('')
  }
  if (context.alarms.length === 0)
    lines.push("> [!NOTE]\n> The action watched no alarms of its own; only the deployment group's alarm configuration applied.", '')
  else lines.push(`**Gates:** ${context.alarms.map((a) => `[${cell(a.name)}](${a.link})`).join(', ')}`, '')
  return lines.join('\n')
}
