/** Builds the analysis gate a config asks for, and combines it with the alarm gate. */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import type { Clock } from '../../core/clock.js'
import type { Gate } from '../../core/gate.js'
import type { AnalysisSettings, Config } from '../../core/inputs.js'
import type { AnalysisSummary } from '../../report/analysis-summary.js'
import { CombinedGate } from '../combined.js'
import { ERROR_MARGIN, type RuleSettings } from './evidence.js'
import { AnalysisGate, describeRule } from './gate.js'
import type { Subject } from './queries.js'
import { RELEASE_BUDGET } from './sequential.js'

/** What one request is called in a mode's messages: a Lambda invocation, a load balancer request. */
export type RequestNoun = 'invocations' | 'requests'

export function ruleSettings(analysis: AnalysisSettings, noun: RequestNoun = 'invocations'): RuleSettings {
  return {
    compare: analysis.compare,
    errorMargin: ERROR_MARGIN,
    errorFloor: analysis.errorRateTolerance,
    latencyMargin: 1 + analysis.durationTolerance,
    budget: RELEASE_BUDGET,
    minRequests: analysis.minInvocations,
    minInput: 'min-invocations',
    noun,
  }
}

/** The settings in words, for the log, the plan and the summary. */
export function describeAnalysis(analysis: AnalysisSettings, noun: RequestNoun = 'invocations'): string {
  if (analysis.compare.length === 0) return 'off (analysis: none): stages are judged by their alarms alone'
  return describeRule(ruleSettings(analysis, noun), analysis.metricsDelayMs)
}

/** The analysis gate for `subjects`, or undefined under `analysis: none`. */
export function analysisGateFor(
  config: Pick<Config, 'analysis' | 'insufficientData'>,
  client: CloudWatchClient,
  clock: Clock,
  subjects: () => readonly Subject[],
  noun: RequestNoun = 'invocations',
): AnalysisGate | undefined {
  if (config.analysis.compare.length === 0) return undefined
  return new AnalysisGate({
    client,
    subjects,
    settings: ruleSettings(config.analysis, noun),
    insufficientData: config.insufficientData,
    clock,
    metricsDelayMs: config.analysis.metricsDelayMs,
  })
}

/** The alarms alone, or the alarms and the analysis read as one gate. */
export function withAnalysis(alarms: Gate, analysis: AnalysisGate | undefined, settings: AnalysisSettings): Gate {
  return analysis ? new CombinedGate(alarms, analysis, `canary analysis (${settings.compare.join(', ')})`) : alarms
}

export function analysisSummary(analysis: AnalysisGate | undefined, settings: AnalysisSettings): AnalysisSummary | undefined {
  if (!analysis) return undefined
  const noun = analysis.noun === 'requests' ? 'requests' : 'invocations'
  return { settings: describeAnalysis(settings, noun), stages: analysis.stages, noun }
}

/**
 * The plan's estimate of each stage's canary traffic, from the stable's last hour (the pre-flight
 * read's): one line per stage, and a warning per stage that cannot reach min-invocations.
 */
export function estimateWarnings(
  analysis: AnalysisGate,
  stages: readonly { readonly weight: number; readonly bakeMs: number; readonly users?: true }[],
): { lines: string[]; warnings: string[] } {
  const { minRequests, minInput = 'min-invocations' } = analysis.settings
  const noun = analysis.noun
  const estimates = analysis.estimate(stages)
  const lines = estimates.map((e) => `Estimate from the last hour: ${e.label} at ${e.weight}% should see about ${e.canaryRequests} canary ${noun} in its bake.`)
  const warnings =
    minRequests <= 0
      ? []
      : estimates
          .filter((e) => !e.enough)
          .map(
            (e) =>
              `${e.label}: the ${e.weight}% stage should see about ${e.canaryRequests} canary ${noun} (from the last hour's traffic), fewer than ${minInput} ${minRequests}: ` +
              `bake longer, raise the weight, or set ${minInput}: 0 to rely on the alarms alone`,
          )
  return { lines, warnings }
}
