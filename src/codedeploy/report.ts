import type { RolloutProgress } from '../report/github-reporter.js'
import { deploymentLink } from './clients.js'
import type { CodeDeployOutcome } from './outcome.js'

const RESULT_LINE: Record<CodeDeployOutcome['result'], string> = {
  promoted: '✅ Promoted',
  held: '⏸️ Held',
  'rolled-back': '↩️ Rolled back',
  refused: '⛔ Refused to start',
  failed: '❌ Failed',
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
const time = (ms: number): string => new Date(ms).toISOString().slice(11, 19)

/** The step's outputs, as name → value. */
export function outputsOf(outcome: CodeDeployOutcome): Record<string, string> {
  return {
    result: outcome.result,
    reason: outcome.result === 'promoted' || outcome.result === 'held' ? '' : (outcome.reason ?? ''),
    weight: outcome.weight === undefined ? '' : String(outcome.weight),
    'stable-version': outcome.stableVersion ?? '',
    'target-version': outcome.targetVersion ?? '',
    alarm: outcome.alarmName ?? outcome.alarm?.name ?? '',
    'restored-groups': outcome.restored
      .filter((r) => r.problem === undefined)
      .map((r) => r.group)
      .join(','),
  }
}

export function failureMessage(outcome: CodeDeployOutcome, what: string): string {
  const reason = outcome.reason ?? 'unknown reason'
  switch (outcome.result) {
    case 'rolled-back':
      return `Rolled back ${what}: ${reason}`
    case 'refused':
      return `Did not start: ${reason}`
    default:
      return `CodeDeploy deployment of ${what} failed: ${reason}`
  }
}

/** The job summary: outcome, deployment links, a compact per-poll progress table, errors. */
export function renderSummary(outcome: CodeDeployOutcome, context: { what: string; region: string; alarms: readonly string[] }): string {
  const lines: string[] = [`## CodeDeploy release of ${cell(context.what)}: ${RESULT_LINE[outcome.result]}`, '']
  if (outcome.reason) lines.push(`**Why:** ${cell(outcome.reason)}`, '')
  if (outcome.alarm) lines.push(`Alarm [${cell(outcome.alarm.name)}](${outcome.alarm.link}) was **${outcome.alarm.state}**: ${cell(outcome.alarm.reason)}`, '')
  else if (outcome.alarmName) lines.push(`Alarm **${cell(outcome.alarmName)}** stopped the deployment (CodeDeploy's alarm configuration).`, '')
  if (outcome.restored.length > 0) {
    lines.push('**Groups that had finished, put back on their previous revision:**', '')
    for (const r of outcome.restored) {
      const link = r.deploymentId ? ` ([${r.deploymentId}](${deploymentLink(context.region, r.deploymentId)}))` : ''
      lines.push(
        r.problem ? `- ⚠️ ${cell(r.group)}: **not restored**, ${cell(r.problem)}${link}` : `- ↩️ ${cell(r.group)}: restored to ${cell(r.revision ?? '?')}${link}`,
      )
    }
    lines.push('')
  }
  if (outcome.deployments.length > 0) {
    lines.push('| Deployment | Group | Kind | Status |', '|---|---|---|---|')
    for (const d of outcome.deployments) lines.push(`| [${d.id}](${deploymentLink(context.region, d.id)}) | ${cell(d.group)} | ${d.kind} | ${d.status} |`)
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
  if (outcome.rows.length > 0) {
    lines.push('| From (UTC) | Polls | Deployment | Status | Traffic | Gate |', '|---|---|---|---|---|---|')
    for (const row of outcome.rows.slice(-50)) {
      const traffic = row.weight !== undefined ? `${row.weight}%` : row.instances !== undefined ? `${row.instances} instances` : '–'
      lines.push(`| ${time(row.at)} | ${row.polls} | ${row.deploymentId} | ${row.status} | ${traffic} | ${row.gate} |`)
    }
    if (outcome.rows.length > 50) lines.push('', `(${outcome.rows.length - 50} earlier rows omitted)`)
    lines.push('')
  }
  if (context.alarms.length === 0)
    lines.push("> [!NOTE]\n> The action watched no alarms of its own; only the deployment group's alarm configuration applied.", '')
  else lines.push(`**Gates:** ${context.alarms.map(cell).join(', ')}`, '')
  return lines.join('\n')
}

export function outcomeProgress(outcome: CodeDeployOutcome): RolloutProgress {
  const id = outcome.deployments[0]?.id ?? ''
  switch (outcome.result) {
    case 'promoted':
      return { state: 'success', description: `CodeDeploy ${id} succeeded` }
    case 'held':
      return { state: 'success', description: `CodeDeploy ${id} is Ready, waiting to continue` }
    default:
      return { state: 'failure', description: `${outcome.result}: ${outcome.reason ?? ''}` }
  }
}
