import type { RevisionLocation } from '@aws-sdk/client-codedeploy'
import { InputError } from '../core/errors.js'
import { runUrl } from '../report/github-reporter.js'
import { parseFunctionName, type Config, type InputReader } from '../core/inputs.js'
import { quote } from '../core/quote.js'
import { readEcsAppSpec, type EcsAppSpec } from './appspec.js'
import { chooseConfig, type ComputePlatform, type ConfigChoice } from './deployment-config.js'
import { parseServerRevision } from './revision.js'

export interface LambdaInputs {
  readonly functionName: string
  readonly alias: string
  readonly version: string
  readonly beforeAllowTraffic?: string
  readonly afterAllowTraffic?: string
}

/** CodeDeploy mode's own inputs, validated (with the shared Config) before any AWS call. */
export interface CodeDeployInputs {
  readonly application: string
  /** One group (Lambda, ECS); for EC2/on-prem the groups to deploy to in order. */
  readonly groups: readonly string[]
  /** What the inputs describe; undefined only in rollback mode, which needs none of them. */
  readonly platform: ComputePlatform | undefined
  readonly lambda: LambdaInputs | undefined
  readonly ecs: EcsAppSpec | undefined
  readonly revision: RevisionLocation | undefined
  readonly configChoice: ConfigChoice
  /** This run's commit (GITHUB_SHA); a deployment whose description holds it is this commit's. */
  readonly sha: string
  readonly runUrl: string
  /** CreateDeployment's description: the commit and the run, within CodeDeploy's 100 characters. */
  readonly description: string
}

/** CodeDeploy caps deployment descriptions. */
export const DESCRIPTION_MAX = 100
const NAME = /^[A-Za-z0-9_.+@=,-]{1,100}$/
const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/i

function name(input: string, value: string, what: string): string {
  if (!NAME.test(value)) throw new InputError(input, `${quote(value)} is not a CodeDeploy ${what} name (1 to 100 letters, digits and _.+@=,-)`)
  return value
}

function hook(read: (n: string) => string, input: string): string | undefined {
  const value = read(input)
  if (value === '') return undefined
  try {
    return parseFunctionName(value)
  } catch (error) {
    if (error instanceof InputError) throw new InputError(input, error.message.replace(/^Input function-name: /, ''))
    throw error
  }
}

export function deploymentDescription(sha: string, url: string): string {
  const head = `canary-release ${sha}`.trim()
  const full = url ? `${head} ${url}` : head
  if (full.length <= DESCRIPTION_MAX) return full
  // The SHA must survive (re-runs find their deployment by it); the run URL is dropped first.
  const runId = /\/runs\/(\d+)/.exec(url)?.[1]
  const short = runId ? `${head} run ${runId}` : head
  return short.slice(0, DESCRIPTION_MAX)
}

export function readCodeDeployInputs(config: Config, read: InputReader, env: NodeJS.ProcessEnv = process.env): CodeDeployInputs {
  const get = (input: string): string => read(input).trim()
  const application = name('codedeploy-application', get('codedeploy-application'), 'application')
  const groups = get('codedeploy-deployment-group')
    .split('\n')
    .map((g) => g.trim())
    .filter((g) => g !== '')
    .map((g) => name('codedeploy-deployment-group', g, 'deployment group'))
  if (groups.length === 0) throw new InputError('codedeploy-deployment-group', 'is required with codedeploy-application')
  const dup = groups.find((g, i) => groups.indexOf(g) !== i)
  if (dup !== undefined) throw new InputError('codedeploy-deployment-group', `lists ${quote(dup)} twice`)

  const appspecPath = get('appspec')
  const revisionText = get('revision')
  const hasFunction = config.targets.length > 0
  const given = [hasFunction && 'function-name', appspecPath && 'appspec', revisionText && 'revision'].filter((x): x is string => Boolean(x))
  if (given.length > 1) {
    throw new InputError(
      given[1] as string,
      `cannot be combined with ${given[0] as string}: function-name is for Lambda, appspec for ECS, revision for EC2/on-premises`,
    )
  }
  const platform: ComputePlatform | undefined = hasFunction ? 'Lambda' : appspecPath ? 'ECS' : revisionText ? 'Server' : undefined
  if (platform === undefined && config.mode !== 'rollback') {
    throw new InputError(
      'function-name',
      'CodeDeploy mode needs function-name and version (Lambda), appspec (ECS) or revision (EC2/on-premises) to know what to deploy',
    )
  }
  if (platform !== 'Server' && groups.length > 1 && config.mode !== 'rollback') {
    throw new InputError('codedeploy-deployment-group', `lists ${groups.length} groups; only EC2/on-premises deployments (revision) go through several`)
  }

  const beforeAllowTraffic = hook(get, 'before-allow-traffic-hook')
  const afterAllowTraffic = hook(get, 'after-allow-traffic-hook')
  if (platform !== 'Lambda' && (beforeAllowTraffic || afterAllowTraffic)) {
    throw new InputError(beforeAllowTraffic ? 'before-allow-traffic-hook' : 'after-allow-traffic-hook', 'only applies to Lambda deployments (function-name)')
  }

  let lambda: LambdaInputs | undefined
  if (platform === 'Lambda') {
    if (config.targets.length !== 1) {
      throw new InputError('function-name', `lists ${config.targets.length} functions; a CodeDeploy Lambda deployment moves exactly one`)
    }
    const target = config.targets[0]
    if (!target) throw new InputError('function-name', 'is required')
    if (target.version === undefined && config.mode !== 'rollback') throw new InputError('version', 'is required to deploy')
    lambda = {
      functionName: target.functionName,
      alias: target.alias,
      version: target.version ?? '',
      ...(beforeAllowTraffic ? { beforeAllowTraffic } : {}),
      ...(afterAllowTraffic ? { afterAllowTraffic } : {}),
    }
  }
  const workspace = env['GITHUB_WORKSPACE'] || process.cwd()
  const ecs = platform === 'ECS' && config.mode !== 'rollback' ? readEcsAppSpec(appspecPath, workspace) : undefined
  const revision = platform === 'Server' ? parseServerRevision(revisionText, get('bundle-type') || 'zip') : undefined
  const configChoice =
    platform === undefined || config.mode === 'rollback' ? ({ kind: 'group' } as const) : chooseConfig(platform, config.stages, config.stagesGiven)

  const shaRaw = (env['GITHUB_SHA'] ?? '').trim()
  const sha = SHA.test(shaRaw) ? shaRaw.toLowerCase() : ''
  const url = runUrl(env)
  return {
    application,
    groups,
    platform,
    lambda,
    ecs,
    revision,
    configChoice,
    sha,
    runUrl: url,
    description: deploymentDescription(sha, url),
  }
}
