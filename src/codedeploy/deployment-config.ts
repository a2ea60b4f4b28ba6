import { CreateDeploymentConfigCommand, GetDeploymentConfigCommand, type CodeDeployClient, type TrafficRoutingConfig } from '@aws-sdk/client-codedeploy'
import { describeStages, type Stage } from '../core/stages.js'
import { InputError } from '../core/errors.js'
import { quote } from '../core/quote.js'

export type ComputePlatform = 'Lambda' | 'ECS' | 'Server'

export type TrafficRouting =
  | { readonly type: 'AllAtOnce' }
  | { readonly type: 'TimeBasedCanary'; readonly timeBasedCanary: { readonly canaryPercentage: number; readonly canaryInterval: number } }
  | { readonly type: 'TimeBasedLinear'; readonly timeBasedLinear: { readonly linearPercentage: number; readonly linearInterval: number } }

/** Which deployment config a deployment uses. */
export type ConfigChoice =
  /** `stages` omitted: the deployment group's own config (CreateDeployment names none). */
  | { readonly kind: 'group' }
  /** A predefined CodeDeployDefault.* config. */
  | { readonly kind: 'preset'; readonly name: string; readonly routing: TrafficRouting }
  /** A config this action creates (or reuses) under a name derived from its steps. */
  | { readonly kind: 'custom'; readonly name: string; readonly routing: TrafficRouting }

/** Prefix of the configs this action creates; never collides with CodeDeployDefault.*. */
export const CUSTOM_PREFIX = 'canary-release'

const minutes = (n: number): string => `${n}Minute${n === 1 ? '' : 's'}`

/** The predefined traffic-shifting configs per platform, by name (CodeDeploy's own spelling). */
const PRESETS: Readonly<Record<'Lambda' | 'ECS', readonly { name: string; routing: TrafficRouting }[]>> = {
  Lambda: [
    { name: 'CodeDeployDefault.LambdaAllAtOnce', routing: { type: 'AllAtOnce' } },
    ...[5, 10, 15, 30].map((i) => ({ name: `CodeDeployDefault.LambdaCanary10Percent${i}Minutes`, routing: canary(10, i) })),
    ...[1, 2, 3, 10].map((i) => ({ name: `CodeDeployDefault.LambdaLinear10PercentEvery${minutes(i)}`, routing: linear(10, i) })),
  ],
  ECS: [
    { name: 'CodeDeployDefault.ECSAllAtOnce', routing: { type: 'AllAtOnce' } },
    ...[5, 15].map((i) => ({ name: `CodeDeployDefault.ECSCanary10Percent${i}Minutes`, routing: canary(10, i) })),
    // ECS spells these "Every1Minutes" and "Every3Minutes".
    ...[1, 3].map((i) => ({ name: `CodeDeployDefault.ECSLinear10PercentEvery${i}Minutes`, routing: linear(10, i) })),
  ],
}

function canary(percent: number, interval: number): TrafficRouting {
  return { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: percent, canaryInterval: interval } }
}

function linear(percent: number, interval: number): TrafficRouting {
  return { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: percent, linearInterval: interval } }
}

export function sameRouting(a: TrafficRouting | TrafficRoutingConfig | undefined, b: TrafficRouting | undefined): boolean {
  if (!a || !b || a.type !== b.type) return false
  if (b.type === 'TimeBasedCanary') {
    const c = (a as TrafficRoutingConfig).timeBasedCanary
    return c?.canaryPercentage === b.timeBasedCanary.canaryPercentage && c?.canaryInterval === b.timeBasedCanary.canaryInterval
  }
  if (b.type === 'TimeBasedLinear') {
    const l = (a as TrafficRoutingConfig).timeBasedLinear
    return l?.linearPercentage === b.timeBasedLinear.linearPercentage && l?.linearInterval === b.timeBasedLinear.linearInterval
  }
  return true
}

export function describeRouting(routing: TrafficRouting | TrafficRoutingConfig | undefined): string {
  switch (routing?.type) {
    case 'TimeBasedCanary': {
      const c = routing.timeBasedCanary
      return `${c?.canaryPercentage ?? '?'}% for ${c?.canaryInterval ?? '?'} min, then 100%`
    }
    case 'TimeBasedLinear': {
      const l = routing.timeBasedLinear
      return `+${l?.linearPercentage ?? '?'}% every ${l?.linearInterval ?? '?'} min up to 100%`
    }
    case 'AllAtOnce':
      return 'all at once'
    default:
      return 'per the config'
  }
}

function inexpressible(stages: readonly Stage[], why: string): InputError {
  return new InputError(
    'stages',
    `${quote(describeStages(stages))} cannot be expressed as a CodeDeploy deployment config: ${why}. ` +
      'CodeDeploy can do one canary step then 100% (e.g. "10%:5m, 100%"), or equal linear steps (e.g. "25%:2m, 50%:2m, 75%:2m, 100%"), ' +
      'in whole percentages and whole minutes. For any other schedule, or to hold below 100%, use alias mode (leave codedeploy-application empty).',
  )
}

const wholeMinutes = (ms: number): number | undefined => (ms > 0 && ms % 60_000 === 0 ? ms / 60_000 : undefined)

/** The traffic routing that runs `stages`, or an InputError (raised before any AWS call) when CodeDeploy cannot express them. */
export function routingForStages(stages: readonly Stage[]): TrafficRouting {
  const last = stages.at(-1)
  if (!last) throw inexpressible(stages, 'no stages')
  if (last.weight < 100) {
    throw inexpressible(stages, `it ends at ${last.weight}%, and CodeDeploy cannot hold a traffic shift part-way (it always ends at 100%)`)
  }
  if (last.bakeMs > 0) throw inexpressible(stages, 'CodeDeploy ends the deployment when traffic reaches 100%, so the last stage cannot bake')
  if (stages.length === 1) return { type: 'AllAtOnce' }
  const first = stages[0] as Stage
  if (!Number.isInteger(first.weight)) throw inexpressible(stages, `${first.weight}% is not a whole percentage`)
  const interval = wholeMinutes(first.bakeMs)
  if (interval === undefined) throw inexpressible(stages, 'bake times must be whole minutes (at least 1m)')
  if (stages.length === 2) return canary(first.weight, interval)

  const p = first.weight
  const steps = stages.slice(0, -1)
  steps.forEach((stage, k) => {
    if (stage.weight !== (k + 1) * p) {
      throw inexpressible(stages, `a linear config moves in equal steps of ${p}%, so stage ${k + 1} would be ${(k + 1) * p}%, not ${stage.weight}%`)
    }
    if (stage.bakeMs !== first.bakeMs) throw inexpressible(stages, 'a linear config bakes every step for the same time')
  })
  if (Math.ceil(100 / p) !== stages.length) {
    throw inexpressible(stages, `steps of ${p}% reach 100% after ${Math.ceil(100 / p)} stages, not ${stages.length}`)
  }
  return linear(p, interval)
}

/** Maps the `stages` input onto a deployment config for `platform`. Pure; throws InputError before any AWS call. */
export function chooseConfig(platform: ComputePlatform, stages: readonly Stage[], stagesGiven: boolean): ConfigChoice {
  if (!stagesGiven) return { kind: 'group' }
  if (platform === 'Server') {
    throw new InputError(
      'stages',
      'does not apply to EC2/on-premises deployments: the deployment groups (one per line in codedeploy-deployment-group) are the stages, each with its own deployment config. Leave stages empty.',
    )
  }
  const routing = routingForStages(stages)
  const preset = PRESETS[platform].find((p) => sameRouting(p.routing, routing))
  if (preset) return { kind: 'preset', name: preset.name, routing }
  return { kind: 'custom', name: customName(platform, routing), routing }
}

export function customName(platform: ComputePlatform, routing: TrafficRouting): string {
  switch (routing.type) {
    case 'TimeBasedCanary':
      return `${CUSTOM_PREFIX}.${platform}.Canary${routing.timeBasedCanary.canaryPercentage}Percent${minutes(routing.timeBasedCanary.canaryInterval)}`
    case 'TimeBasedLinear':
      return `${CUSTOM_PREFIX}.${platform}.Linear${routing.timeBasedLinear.linearPercentage}PercentEvery${minutes(routing.timeBasedLinear.linearInterval)}`
    case 'AllAtOnce':
      return `${CUSTOM_PREFIX}.${platform}.AllAtOnce`
  }
}

/**
 * Makes sure the chosen config exists and returns the name to pass to CreateDeployment (undefined: the group's own).
 * A custom config is created once and reused afterwards, after checking that the existing one shifts traffic the same way.
 */
export async function ensureConfig(
  client: CodeDeployClient,
  platform: ComputePlatform,
  choice: ConfigChoice,
  log: (message: string) => void,
): Promise<string | undefined> {
  if (choice.kind === 'group') return undefined
  if (choice.kind === 'preset') return choice.name
  try {
    await client.send(
      new CreateDeploymentConfigCommand({
        deploymentConfigName: choice.name,
        computePlatform: platform,
        trafficRoutingConfig: choice.routing as TrafficRoutingConfig,
      }),
    )
    log(`Created deployment config ${choice.name} (${describeRouting(choice.routing)}).`)
    return choice.name
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'DeploymentConfigAlreadyExistsException') throw error
  }
  const { deploymentConfigInfo: existing } = await client.send(new GetDeploymentConfigCommand({ deploymentConfigName: choice.name }))
  if (existing?.computePlatform !== platform || !sameRouting(existing.trafficRoutingConfig, choice.routing)) {
    throw new Error(
      `deployment config ${choice.name} already exists but shifts traffic ${describeRouting(existing?.trafficRoutingConfig)} on ${existing?.computePlatform ?? '?'}, ` +
        `not ${describeRouting(choice.routing)} on ${platform}; delete it or rename yours`,
    )
  }
  log(`Reusing deployment config ${choice.name} (${describeRouting(choice.routing)}).`)
  return choice.name
}
