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

/** `invocations` -> `inv`, `requests` -> `req`. */
const short = (noun: string): string => noun.slice(0, 3)

export function seriesCell(stats: SeriesStats, withDuration: boolean, noun = 'invocations'): string {
  const rate = stats.requests > 0 ? ` (${percent(stats.errors / stats.requests)})` : ''
  return `${stats.requests} ${short(noun)}, ${stats.errors} err${rate}${withDuration && stats.slow !== undefined ? `, ${stats.slow} slow` : ''}`
}

/** The report a stage row shows: its only subject, or in a fleet the worst one (named). */
function headline(analysis: StageAnalysis | undefined): { report: SubjectReport; named: boolean } | undefined {
  if (!analysis || analysis.reports.length === 0) return undefined
  const sorted = [...analysis.reports].sort((a, b) => RANK[a.judgement.verdict] - RANK[b.judgement.verdict])
  const report = sorted[0]
  return report ? { report, named: analysis.reports.length > 1 } : undefined
}

export const ANALYSIS_HEADER = ' Canary | Stable | Analysis |'
export const ANALYSIS_RULE = '---|---|---|'

/** The three extra cells of a stage row. */
export function analysisCells(summary: AnalysisSummary, stage: StageRecord): string {
  const found = headline(stage.startedAt === undefined ? undefined : summary.stages.get(stage.startedAt))
  if (!found) return ' – | – | – |'
  const { judgement, subject } = found.report
  const withDuration = judgement.duration !== undefined
  const noun = summary.noun ?? 'invocations'
  const minutes = ` · ${judgement.minutes} min judged`
  const verdict = `${verdictText(judgement.verdict, noun)}${found.named ? ` (${subject.label})` : ''}${minutes}`
  return ` ${seriesCell(judgement.canary, withDuration, noun)} | ${seriesCell(judgement.stable, withDuration, noun)} | ${verdict} |`
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
