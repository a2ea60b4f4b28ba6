import { managedOutputs } from '../managed/outputs.js'
import type { RolloutProgress } from '../report/github-reporter.js'
import type { EcsOutcome } from './outcome.js'

const RESULT_LINE: Record<EcsOutcome['result'], string> = {
  promoted: '✅ Promoted',
  held: '⏸️ Held',
  'rolled-back': '↩️ Rolled back',
  refused: '⛔ Refused to start',
  failed: '❌ Failed',
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
const time = (ms: number): string => new Date(ms).toISOString().slice(11, 19)

/** The step's outputs, as name → value. */
export function outputsOf(outcome: EcsOutcome): Record<string, string> {
  return {
    ...managedOutputs(outcome, outcome.alarm?.name ?? outcome.alarmName),
    'deployment-id': outcome.deploymentArn ?? '',
  }
}

export function failureMessage(outcome: EcsOutcome, what: string): string {
  const reason = outcome.reason ?? 'unknown reason'
  if (outcome.result === 'rolled-back') return `Rolled back ${what}: ${reason}`
  if (outcome.result === 'refused') return `Did not start: ${reason}`
  return `ECS deployment of ${what} failed: ${reason}`
}

/** The job summary: outcome, strategy, a compact per-poll progress table. */
export function renderSummary(outcome: EcsOutcome, context: { what: string; link: string; alarms: readonly string[]; analysis: string }): string {
  const lines: string[] = [`## ECS release of [${cell(context.what)}](${context.link}): ${RESULT_LINE[outcome.result]}`, '']
  if (outcome.reason) lines.push(`**Why:** ${cell(outcome.reason)}`, '')
  if (outcome.alarm) lines.push(`Alarm [${cell(outcome.alarm.name)}](${outcome.alarm.link}) was **${outcome.alarm.state}**: ${cell(outcome.alarm.reason)}`, '')
  else if (outcome.alarmName) lines.push(`Alarm **${cell(outcome.alarmName)}** rolled the deployment back (ECS's own alarm rollback).`, '')
  const facts = [
    outcome.strategy ? `strategy ${outcome.strategy}` : undefined,
    outcome.stableVersion ? `stable ${outcome.stableVersion}` : undefined,
    outcome.targetVersion ? `target ${outcome.targetVersion}` : undefined,
    outcome.weight !== undefined ? `new revision's production traffic at exit ${outcome.weight}%` : undefined,
    outcome.callsPerPoll !== undefined ? `API calls per poll ${outcome.callsPerPoll}` : undefined,
    outcome.stopLatencyMs !== undefined ? `StopServiceDeployment ${outcome.stopLatencyMs} ms after the failure/cancel was seen` : undefined,
  ].filter((f): f is string => f !== undefined)
  if (facts.length > 0) lines.push(facts.map(cell).join(' · '), '')
  if (outcome.deploymentArn) lines.push(`Service deployment: \`${outcome.deploymentArn}\``, '')
  if (outcome.rows.length > 0) {
    lines.push('| From (UTC) | Polls | Status | Production traffic | Gate |', '|---|---|---|---|---|')
    for (const row of outcome.rows.slice(-50))
      lines.push(`| ${time(row.at)} | ${row.polls} | ${row.status} | ${row.weight !== undefined ? `${row.weight}%` : '–'} | ${row.gate} |`)
    if (outcome.rows.length > 50) lines.push('', `(${outcome.rows.length - 50} earlier rows omitted)`)
    lines.push('')
  }
  lines.push(`**Canary analysis:** ${cell(context.analysis)}`, '')
  lines.push(context.alarms.length === 0 ? '> [!NOTE]\n> The action watched no alarms of its own.' : `**Gates:** ${context.alarms.map(cell).join(', ')}`, '')
  return lines.join('\n')
}

export function outcomeProgress(outcome: EcsOutcome): RolloutProgress {
  switch (outcome.result) {
    case 'promoted':
      return { state: 'success', description: `ECS deployment of ${outcome.targetVersion ?? ''} succeeded` }
    case 'held':
      return { state: 'success', description: `ECS deployment of ${outcome.targetVersion ?? ''} waits at test traffic` }
    default:
      return { state: 'failure', description: `${outcome.result}: ${outcome.reason ?? ''}` }
  }
}
