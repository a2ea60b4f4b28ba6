/** Builds the analysis gate a config asks for, and combines it with the alarm gate. */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import type { Clock } from '../../core/clock.js'
import type { Gate } from '../../core/gate.js'
import type { AnalysisSettings, Config } from '../../core/inputs.js'
import type { AnalysisSummary } from '../../report/analysis-summary.js'
import { CombinedGate } from '../combined.js'
import { AnalysisGate } from './gate.js'
import type { Subject } from './queries.js'
import { MIN_DURATION_SAMPLE, type RuleSettings, tolerance } from './rule.js'

/** What one request is called in a mode's messages: a Lambda invocation, a load balancer request. */
export type RequestNoun = 'invocations' | 'requests'

export function ruleSettings(analysis: AnalysisSettings, noun: RequestNoun = 'invocations'): RuleSettings {
  return {
    compare: analysis.compare,
    errorRateTolerance: analysis.errorRateTolerance,
    durationTolerance: analysis.durationTolerance,
    minRequests: analysis.minInvocations,
    minInput: 'min-invocations',
    noun,
  }
}

/** The settings in words, for the log, the plan and the summary. */
export function describeAnalysis(analysis: AnalysisSettings, noun: RequestNoun = 'invocations'): string {
  if (analysis.compare.length === 0) return 'off (analysis: none): stages are judged by their alarms alone'
  const parts = analysis.compare.map((c) =>
    c === 'errors'
      ? `error rate (tolerance ${tolerance(analysis.errorRateTolerance)}, significant at 99% one-sided)`
      : `p99 duration (tolerance ${tolerance(analysis.durationTolerance)}, from ${MIN_DURATION_SAMPLE} ${noun} of each version)`,
  )
  return `canary vs stable ${parts.join(' and ')}, min-invocations ${analysis.minInvocations}`
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
  return new AnalysisGate({ client, subjects, settings: ruleSettings(config.analysis, noun), insufficientData: config.insufficientData, clock })
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
