/** The canary analysis in the job summary: per-stage figures for both versions, the verdict, and why a rollback happened. */
import type { StageRecord } from '../core/engine.js'
import type { StageAnalysis, SubjectReport } from '../gates/analysis/gate.js'
import { ms, percent, type SeriesStats, type Verdict } from '../gates/analysis/rule.js'

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
  return `${stats.requests} ${short(noun)}, ${stats.errors} err${rate}${withDuration ? `, p99 ${ms(stats.p99)}` : ''}`
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
  const verdict = `${verdictText(judgement.verdict, noun)}${found.named ? ` (${subject.label})` : ''}`
  return ` ${seriesCell(judgement.canary, withDuration, noun)} | ${seriesCell(judgement.stable, withDuration, noun)} | ${verdict} |`
}

/** Lines after the table: a rollback by the analysis in words, and stages that saw no traffic. */
export function analysisNotes(summary: AnalysisSummary, stages: readonly StageRecord[]): string[] {
  const lines: string[] = []
  stages.forEach((stage, index) => {
    const analysis = stage.startedAt === undefined ? undefined : summary.stages.get(stage.startedAt)
    for (const { subject, judgement } of analysis?.reports ?? []) {
      if (judgement.verdict === 'fail') {
        const { canary, stable } = judgement
        const figures = judgement.errors?.failed
          ? `version ${subject.canaryVersion} failed ${canary.errors} of ${canary.requests} ${summary.noun ?? 'invocations'} (${percent(canary.errors / Math.max(1, canary.requests))}) ` +
            `while version ${subject.stableVersion} failed ${stable.errors} of ${stable.requests} (${percent(stable.errors / Math.max(1, stable.requests))}), ` +
            `in the same window; a difference this large by chance has a probability of ${judgement.errors.pValue.toExponential(1)}`
          : `version ${subject.canaryVersion}'s p99 duration was ${ms(canary.p99)} against ${ms(stable.p99)} for version ${subject.stableVersion}, in the same window`
        lines.push(`**Canary analysis rolled back ${subject.label} in stage ${index + 1}:** ${figures}.`, '')
      } else if (judgement.verdict === 'no-data') {
        lines.push(`> [!NOTE]\n> No traffic reached either version of ${subject.label} during stage ${index + 1}: its evidence was its alarms alone.`, '')
      }
    }
  })
  lines.push(`**Canary analysis:** ${summary.settings}.`, '')
  return lines
}
