import { checkWritePermissions } from '../aws/permissions.js'
import { countCalls } from '../aws/call-counter.js'
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy'
import { lambdaClient } from '../aws/clients.js'
import { cloudWatchClient } from '../aws/cloudwatch-client.js'
import { systemClock } from '../core/clock.js'
import { errorMessage } from '../core/errors.js'
import { GetAliasCommand } from '@aws-sdk/client-lambda'
import { alarmGateFor } from '../gates/alarms.js'
import { lambdaSubject, type Subject } from '../gates/analysis/queries.js'
import { analysisGateFor, analysisSummary, describeAnalysis, withAnalysis } from '../gates/analysis/setup.js'
import { createReporter } from '../report/github-reporter.js'
import type { Config } from '../core/inputs.js'
import type { StepContext, StepResult } from '../core/step.js'
import { STATE_ROLLOUT, type SavedRollout } from '../core/saved-state.js'
import { codeDeployClient, deploymentLink } from './clients.js'
import { readCodeDeployInputs, type CodeDeployInputs } from './inputs.js'
import { planDeployment, rollbackActive } from './modes.js'
import { isFailure, type CodeDeployOutcome } from './outcome.js'
import { releaseOne, type ReleaseDeps } from './release.js'
import { failureMessage, outcomeProgress, outputsOf, renderSummary } from './report.js'
import { releaseServer } from './server-stages.js'

function what(inputs: CodeDeployInputs): string {
  const groups = inputs.groups.join(' → ')
  if (inputs.lambda) return `${inputs.lambda.functionName}:${inputs.lambda.alias} (${inputs.application}/${groups})`
  return `${inputs.application}/${groups}`
}

/** CodeDeploy mode's main step: start (or attach to) the deployment, watch it with the action's alarms, stop and roll back on alarm or cancel. */
export async function runCodeDeploy(config: Config, context: StepContext): Promise<StepResult> {
  const { log, signal } = context
  const inputs = readCodeDeployInputs(config, context.input)
  const region = config.region
  const counter = { n: 0 }
  const client = countCalls(codeDeployClient(region, 'poll'), counter)
  const writeClient = countCalls(codeDeployClient(region, 'write'), counter)
  const stopClient: CodeDeployClient = codeDeployClient(region, 'rollback')
  const cloudWatch = countCalls(cloudWatchClient(region), counter)
  const lambda = inputs.platform === 'Lambda' ? lambdaClient(region, 'poll') : undefined
  const alarms = alarmGateFor({ ...config, region }, cloudWatch, systemClock)
  // Lambda only: the versions come from the AppSpec (the alias's current version, and the target); the
  // per-version metrics exist for Lambda alone, so ECS and EC2/on-prem are judged by their alarms.
  const analysisSubjects: Subject[] = []
  const analysis = inputs.platform === 'Lambda' ? analysisGateFor(config, cloudWatch, systemClock, () => analysisSubjects) : undefined
  if (analysis && inputs.lambda && lambda && config.mode !== 'rollback') {
    const target = inputs.lambda
    try {
      const alias = await lambda.send(new GetAliasCommand({ FunctionName: target.functionName, Name: target.alias }))
      const stable = alias.FunctionVersion ?? ''
      if (stable !== '' && stable !== target.version) analysisSubjects.push(lambdaSubject(target.functionName, target.alias, stable, target.version))
    } catch (error) {
      log.warning(`Canary analysis: could not read ${target.functionName}:${target.alias} (${errorMessage(error)}); the alarms alone gate this deployment`)
    }
    log.info(`Canary analysis: ${describeAnalysis(config.analysis)} (CodeDeploy decides when a stage ends, so min-invocations does not apply)`)
  }
  const gate = withAnalysis(alarms, analysis, config.analysis)
  const ids: string[] = []
  const deps: ReleaseDeps = {
    client,
    writeClient,
    stopClient,
    lambda,
    gate,
    clock: systemClock,
    log,
    pollMs: config.pollMs,
    signal,
    region,
    calls: () => counter.n,
    onDeployment: (id, restore) => {
      const fresh = !ids.includes(id)
      if (fresh) ids.push(id)
      context.setOutput('deployment-id', ids.join(','))
      const restoreState = restore && restore.groups.length > 0 ? { application: restore.application, restore: restore.groups } : {}
      const saved: SavedRollout = { region, aliases: [], codeDeploy: { deploymentId: id, ...restoreState } }
      context.saveState(STATE_ROLLOUT, JSON.stringify(saved))
      if (fresh) log.info(`Deployment ${id}: ${deploymentLink(region, id)}`)
    },
  }
  try {
    if (config.mode === 'plan') {
      const { problems, lines } = await planDeployment(
        { client, lambda, gate, log, signal, region, checkWrites: (wanted) => checkWritePermissions(region, wanted, signal) },
        inputs,
      )
      log.info(`Would deploy:\n${lines.map((l) => `  ${l}`).join('\n')}`)
      const ready = problems.length === 0
      return {
        outputs: { result: ready ? 'planned' : 'refused', reason: problems.join('; ') },
        summary:
          `## CodeDeploy release plan for ${what(inputs)}: ${ready ? '✅ ready' : '⛔ not ready'}\n\n` +
          [...problems.map((p) => `- ✗ ${p}`), ...lines.map((l) => `- ${l}`)].join('\n') +
          '\n',
        ...(ready ? {} : { failure: `Plan found ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.join('; ')}` }),
      }
    }

    const reporter = await createReporter({
      mode: config.github.status,
      token: config.github.token,
      environment: config.github.environment,
      context: `canary/codedeploy/${inputs.application}`,
      log: { info: (m) => log.info(m), warning: (m) => log.warning(m) },
    })
    let outcome: CodeDeployOutcome
    if (config.mode === 'rollback') outcome = await rollbackActive(deps, inputs, region)
    else {
      void reporter.report({ state: 'pending', description: `CodeDeploy release of ${what(inputs)} starting` })
      // The toolkit is loaded before the first write, so each deployment id reaches GITHUB_STATE the moment it is known.
      await context.ready?.()
      outcome = inputs.platform === 'Server' ? await releaseServer(deps, inputs) : await releaseOne(deps, inputs)
    }

    const outputs = { ...outputsOf(outcome), ...(ids.length === 0 ? { 'deployment-id': outcome.deployments.map((d) => d.id).join(',') } : {}) }
    if (outcome.callsPerPoll !== undefined) log.info(`API calls per poll: ${outcome.callsPerPoll} (CodeDeploy and CloudWatch).`)
    await reporter.report(outcomeProgress(outcome))
    const summary = renderSummary(outcome, {
      what: what(inputs),
      region,
      alarms: alarms.names,
      analysis: analysisSummary(analysis, config.analysis),
      endedAt: systemClock.now(),
    })
    const common = { outputs, summary, settled: outcome.settled }
    const failed = config.mode === 'rollback' ? outcome.result !== 'rolled-back' : isFailure(outcome)
    if (failed) return { ...common, failure: failureMessage(outcome, what(inputs)) }
    if (config.mode === 'rollback') return { ...common, conclusion: outcome.reason ? `Nothing to do: ${outcome.reason}.` : 'Rolled back.' }
    return { ...common, conclusion: outcome.result === 'held' ? `Held: ${outcome.reason ?? ''}` : `Promoted ${outcome.targetVersion ?? ''}.` }
  } catch (error) {
    return { outputs: {}, failure: `CodeDeploy mode: ${errorMessage(error)}` }
  } finally {
    client.destroy()
    writeClient.destroy()
    stopClient.destroy()
    cloudWatch.destroy()
    lambda?.destroy()
  }
}
