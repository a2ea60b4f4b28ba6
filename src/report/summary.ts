import { type AnalysisSummary, analysisNotes, analysisTable } from './analysis-summary.js'
import { weightChart } from './chart.js'
import { formatDuration } from '../core/duration.js'
import type { Outcome, StageRecord } from '../core/engine.js'
import type { AlarmState } from '../core/gate.js'

/** One function of a multi-function release, for the summary's per-function table. */
export interface MemberReport {
  readonly resource: string
  readonly link: string | undefined
  readonly stableVersion: string
  readonly targetVersion: string
  readonly weight: number
}

export interface SummaryContext {
  readonly resource: string
  readonly resourceLink: string | undefined
  /** The gates as the user named them; `found: false` for one CloudWatch did not return. */
  readonly alarms: readonly { name: string; link: string; found?: boolean }[]
  /** Each function of a multi-function release. */
  readonly members: readonly MemberReport[]
  /** The canary analysis's figures per stage, when it ran. */
  readonly analysis?: AnalysisSummary | undefined
}

const RESULT_LINE: Record<Outcome['result'], string> = {
  promoted: '✅ Promoted',
  held: '⏸️ Held',
  'rolled-back': '↩️ Rolled back',
  refused: '⛔ Refused to start',
  failed: '❌ Failed',
}

const STAGE_RESULT: Record<StageRecord['result'], string> = {
  pending: 'not reached',
  resumed: 'done earlier',
  baking: 'baking',
  passed: '✅ passed',
  failed: '❌ failed',
  cancelled: '⏹️ cancelled',
}

function time(ms: number | undefined): string {
  return ms === undefined ? '–' : new Date(ms).toISOString().slice(11, 19)
}

/** Table cells: no pipes or newlines from alarm reasons. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}

function alarmLine(alarm: AlarmState): string {
  return `Alarm [${cell(alarm.name)}](${alarm.link}) was **${alarm.state}**: ${cell(alarm.reason)}`
}

/**
 * A stage's share as the table gives it. After a canary users stage, its rule keeps sending matching
 * requests to the canary beside each weight, and how many that is nobody measured: the table says
 * `10% + canary users` rather than a plain 10% that understates the canary's share.
 */
export function stageWeight(stage: Pick<StageRecord, 'weight' | 'users'>, stages: readonly Pick<StageRecord, 'weight' | 'users'>[]): string {
  if (stage.users) return 'canary users'
  return stages.some((s) => s.users) && stage.weight < 100 ? `${stage.weight}% + canary users` : `${stage.weight}%`
}

/** Where traffic stands at exit, in words a reader of the summary can act on. */
export function trafficLine(outcome: Outcome): string {
  const target = `version ${outcome.targetVersion ?? '?'}`
  const stable = `version ${outcome.stableVersion ?? '?'}`
  switch (outcome.result) {
    case 'promoted':
      return outcome.alreadyPromoted ? `all on ${target} (already promoted; nothing changed).` : `all on ${target} (was ${stable}).`
    case 'held': {
      const users = outcome.stages.some((s) => s.users) ? " plus the canary users' requests (their rule stays)" : ''
      return `${target} takes ${outcome.weight}%${users}, ${stable} the rest. A later run promotes or rolls back.`
    }
    case 'rolled-back':
      return `all back on ${stable}; ${target} takes none.`
    case 'refused':
      return 'unchanged: the rollout stopped before its first write.'
    case 'failed':
      return `${target} may still take ${outcome.weight}% (see the log): check the resource before re-running.`
  }
}

/**
 * A hold is easy to miss: the step is green, yet traffic stays split until someone acts. The
 * words for the notice annotation and the summary's banner: where traffic is, and both ways on.
 */
export function holdNotice(outcome: Outcome, resource: string): string {
  return (
    `${resource} is held with traffic split: version ${outcome.targetVersion ?? '?'} takes ${outcome.weight}%, ` +
    `version ${outcome.stableVersion ?? '?'} the rest, until another run moves it. ` +
    'To promote, run the action again with stages that end at 100% (it resumes above the held weight); ' +
    'to roll back, run it with mode: rollback.'
  )
}

/** The job summary as Markdown: outcome first, then the stage table, then warnings. */
export function renderSummary(outcome: Outcome, context: SummaryContext): string {
  const lines: string[] = []
  const resource = context.resourceLink ? `[${context.resource}](${context.resourceLink})` : context.resource
  lines.push(`## Canary release of ${resource}: ${RESULT_LINE[outcome.result]}`, '')
  lines.push(`**Traffic now:** ${trafficLine(outcome)}`, '')
  if (outcome.result === 'held') lines.push(`> [!IMPORTANT]\n> ${cell(holdNotice(outcome, context.resource))}`, '')
  if (outcome.reason) lines.push(`**Why:** ${cell(outcome.reason)}`, '')
  if (outcome.alarm) lines.push(alarmLine(outcome.alarm), '')

  const analysis = context.analysis
  const stages = outcome.stages.map((stage) => ({ ...stage, label: stageWeight(stage, outcome.stages) }))
  lines.push('| Stage | Weight | Started (UTC) | Baked | Gate checks | Result |', '|---|---|---|---|---|---|')
  stages.forEach((stage, index) => {
    const baked = stage.startedAt === undefined ? '–' : `${formatDuration(Math.round(stage.bakedMs / 1000) * 1000)} of ${formatDuration(stage.bakeMs)}`
    lines.push(`| ${index + 1} | ${stage.label} | ${time(stage.startedAt)} | ${baked} | ${stage.checks} | ${STAGE_RESULT[stage.result]} |`)
  })
  lines.push('')
  if (analysis) lines.push(...analysisTable(analysis, stages), ...analysisNotes(analysis, outcome.stages))

  const chart = weightChart(outcome)
  if (chart) lines.push(chart, '')

  if (context.members.length > 0) {
    lines.push('| Function | Stable | Target | Target weight at exit |', '|---|---|---|---|')
    for (const member of context.members) {
      const name = member.link ? `[${cell(member.resource)}](${member.link})` : cell(member.resource)
      lines.push(`| ${name} | ${member.stableVersion} | ${member.targetVersion} | ${member.weight}% |`)
    }
    lines.push('')
  }

  if (outcome.insufficient.length > 0) {
    lines.push(
      `> [!WARNING]\n> These alarms reported INSUFFICIENT_DATA during the rollout: ${outcome.insufficient.map(cell).join(', ')}. ` +
        'A gate without data cannot see a problem.',
      '',
    )
  }
  if (context.alarms.length === 0) {
    lines.push(
      analysis
        ? '> [!NOTE]\n> No alarms were configured: stages were judged by the canary analysis alone.'
        : '> [!WARNING]\n> No alarms were configured: stages passed on bake time alone.',
      '',
    )
  } else {
    // An alarm that does not exist gets no console link: it would open an empty page.
    const gates = context.alarms.map((a) => (a.found === false ? `\`${cell(a.name).replace(/`/g, "'")}\` (not found)` : `[${cell(a.name)}](${a.link})`))
    lines.push(`**Gates:** ${gates.join(', ')}`, '')
  }
  const text = lines.join('\n')
  // GitHub drops a step summary over 1 MiB; the inputs' limits keep it far below, this is a backstop.
  return Buffer.byteLength(text) <= SUMMARY_LIMIT ? text : `${text.slice(0, SUMMARY_LIMIT / 4)}\n\n(summary cut to stay under GitHub's 1 MiB limit)`
}

export const SUMMARY_LIMIT = 1024 * 1024
