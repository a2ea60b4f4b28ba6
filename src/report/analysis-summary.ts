/** The canary analysis in the job summary: per-stage figures for both versions, the verdict, and why a rollback happened. */
import type { StageRecord } from '../core/engine.js'
import { percent, type SeriesStats } from '../gates/analysis/evidence.js'
import type { StageAnalysis, SubjectReport, Verdict } from '../gates/analysis/gate.js'

export interface AnalysisSummary {
  /** The settings in words, e.g. `errors (tolerance 1%), min-invocations 0`. */
  readonly settings: string
  /** The latest read of each stage, keyed by when the stage went live. */
  readonly stages: ReadonlyMap<number, StageAnalysis>
  /** What one request is called (default invocations; ALB: requests). */
  readonly noun?: string
}

const verdictText = (verdict: Verdict, noun: string): string =>
  ({ pass: '✅ no worse', fail: '❌ worse', 'no-data': 'no traffic', insufficient: `⚠️ too few ${noun}` })[verdict]
const RANK: Record<Verdict, number> = { fail: 0, insufficient: 1, 'no-data': 2, pass: 3 }

/**
 * One version's figures as the log's gate line gives them (src/gates/analysis/gate.ts, describeJudgement):
 * `78/250 errors (31.2%), 24 slow`, so a reader finds the table's numbers in the log.
 */
export function seriesCell(stats: SeriesStats, withDuration: boolean, noun = 'invocations'): string {
  if (stats.requests === 0) return `no ${noun}`
  const slow = withDuration && stats.slow !== undefined ? `, ${stats.slow} slow` : ''
  return `${stats.errors}/${stats.requests} errors (${percent(stats.errors / stats.requests)})${slow}`
}

/** The report a stage row shows: its only subject, or in a fleet the worst one (named). */
function headline(analysis: StageAnalysis | undefined): { report: SubjectReport; named: boolean } | undefined {
  if (!analysis || analysis.reports.length === 0) return undefined
  const sorted = [...analysis.reports].sort((a, b) => RANK[a.judgement.verdict] - RANK[b.judgement.verdict])
  const report = sorted[0]
  return report ? { report, named: analysis.reports.length > 1 } : undefined
}

/**
 * The analysis figures in a table of their own, one row per stage it read (the stage table stays
 * narrow enough for a laptop). Each row is the stage's latest read: for a failed stage, the read that
 * decided, which the log printed on its gate line.
 */
export function analysisTable(summary: AnalysisSummary, stages: readonly (StageRecord & { readonly label: string })[]): string[] {
  const noun = summary.noun ?? 'invocations'
  const rows = stages.flatMap((stage, index) => {
    const found = headline(stage.startedAt === undefined ? undefined : summary.stages.get(stage.startedAt))
    if (!found) return []
    const { judgement, subject } = found.report
    const withDuration = judgement.duration !== undefined
    const verdict = `${verdictText(judgement.verdict, noun)}${found.named ? ` (${subject.label})` : ''} · ${judgement.minutes} min judged`
    return [
      `| ${index + 1} (${stage.label}) | ${seriesCell(judgement.canary, withDuration, noun)} | ${seriesCell(judgement.stable, withDuration, noun)} | ${verdict} |`,
    ]
  })
  if (rows.length === 0) return []
  return ['| Stage | Canary | Stable | Analysis |', '|---|---|---|---|', ...rows, '']
}

/** Lines after the table: a rollback by the analysis in words, and stages that saw no traffic. */
export function analysisNotes(summary: AnalysisSummary, stages: readonly StageRecord[]): string[] {
  const lines: string[] = []
  stages.forEach((stage, index) => {
    const analysis = stage.startedAt === undefined ? undefined : summary.stages.get(stage.startedAt)
    for (const { subject, judgement } of analysis?.reports ?? []) {
      if (judgement.verdict === 'fail') {
        // The reason quotes the figures the test judged: this release's settled minutes, both versions alike.
        lines.push(`**Canary analysis rolled back ${subject.label} in stage ${index + 1}:** ${judgement.reason ?? 'canary worse than stable'}.`, '')
      } else if (judgement.verdict === 'no-data') {
        lines.push(`> [!NOTE]\n> No traffic reached either version of ${subject.label} during stage ${index + 1}: its evidence was its alarms alone.`, '')
      }
    }
  })
  lines.push(`**Canary analysis:** ${summary.settings}.`, '')
  return lines
}
