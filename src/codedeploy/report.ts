import { alarmLink } from '../aws/links.js'
import { managedOutputs } from '../managed/outputs.js'
import type { AnalysisSummary } from '../report/analysis-summary.js'
import { renderCodeDeploySummary } from '../report/codedeploy-summary.js'
import type { RolloutProgress } from '../report/github-reporter.js'
import { deploymentLink } from './clients.js'
import type { CodeDeployOutcome } from './outcome.js'

/** The step's outputs, as name → value. */
export function outputsOf(outcome: CodeDeployOutcome): Record<string, string> {
  return {
    ...managedOutputs(outcome, outcome.alarmName ?? outcome.alarm?.name),
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

/** The job summary (src/report/codedeploy-summary.ts), with this mode's console links. */
export function renderSummary(
  outcome: CodeDeployOutcome,
  context: { what: string; region: string; alarms: readonly string[]; analysis?: AnalysisSummary | undefined; endedAt?: number },
): string {
  return renderCodeDeploySummary(outcome, {
    what: context.what,
    alarms: context.alarms.map((name) => ({ name, link: alarmLink(context.region, name.replace(/\*$/, '')) })),
    deploymentLink: (id) => deploymentLink(context.region, id),
    analysis: context.analysis,
    endedAt: context.endedAt,
  })
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
