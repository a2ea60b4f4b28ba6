/**
 * The stage list mapped onto what an ECS service deployment can run (ECS moves the traffic; the
 * action only chooses the strategy). Pure: stages in, strategy or a refusal out. Bounds are from
 * botocore's ECS model (CanaryConfiguration, LinearConfiguration, DeploymentConfiguration).
 */
import { formatDuration } from '../core/duration.js'
import { quote } from '../core/quote.js'
import { describeStages, type Stage } from '../core/stages.js'

export type EcsStrategyName = 'CANARY' | 'LINEAR' | 'BLUE_GREEN'

/** How production traffic moves: one of the three strategies with its figures. */
export type ProductionPlan =
  | { readonly strategy: 'CANARY'; readonly percent: number; readonly bakeMinutes: number; readonly finalBakeMinutes: number }
  | { readonly strategy: 'LINEAR'; readonly stepPercent: number; readonly bakeMinutes: number; readonly finalBakeMinutes: number }
  | { readonly strategy: 'BLUE_GREEN'; readonly finalBakeMinutes: number }

export interface EcsPlan {
  /** `users:BAKE` first: the new revision takes the test listener rule's traffic, then a PAUSE hook holds it for the bake. */
  readonly testTraffic: { readonly bakeMs: number } | undefined
  /** Undefined when the stages end at the test-traffic hook: the run holds there and the service's own strategy follows. */
  readonly production: ProductionPlan | undefined
}

/** canaryPercent: multiples of 0.1 from 0.1 to 100. */
export const CANARY_MIN_PERCENT = 0.1
/** stepPercent: multiples of 0.1 from 3 to 100. */
export const LINEAR_MIN_STEP = 3
/** canaryBakeTimeInMinutes, stepBakeTimeInMinutes (and bakeTimeInMinutes here): 0 to 1440. */
export const MAX_BAKE_MINUTES = 1440

/** The forms ECS can run, for every refusal. */
export const ECS_FORMS =
  'ECS runs "P%:Nm, 100%" (CANARY: P from 0.1% in steps of 0.1%), equal steps like "25%:2m, 50%:2m, 75%:2m, 100%" ' +
  '(LINEAR: a step of 3% or more), or "100%" / "AllAtOnce" (BLUE_GREEN); bakes are whole minutes from 0 to 1440, ' +
  'a bake on the last stage ("100%:10m") keeps the old revision up for it, and "users:BAKE" first is test traffic'

export class EcsStageError extends Error {
  override name = 'EcsStageError'
}

const EPSILON = 1e-9
const refuse = (why: string): never => {
  throw new EcsStageError(`${why}. ${ECS_FORMS}`)
}

/** A multiple of 0.1 (weights are parsed to at most 3 decimals). */
function tenths(percent: number): boolean {
  return Math.abs(percent * 10 - Math.round(percent * 10)) < EPSILON
}

function wholeMinutes(stage: Stage, what: string): number {
  if (stage.bakeMs % 60_000 !== 0) refuse(`${what} bakes ${formatDuration(stage.bakeMs)}: ECS bakes in whole minutes`)
  const minutes = stage.bakeMs / 60_000
  if (minutes > MAX_BAKE_MINUTES) refuse(`${what} bakes ${minutes} minutes: ECS bakes at most ${MAX_BAKE_MINUTES} (24 hours)`)
  return minutes
}

const label = (stage: Stage): string => quote(describeStages([stage]))

function production(stages: readonly Stage[]): ProductionPlan {
  const last = stages.at(-1) as Stage
  if (last.weight < 100 - EPSILON) {
    refuse(
      `${quote(describeStages(stages))} ends at ${last.weight}%: ECS cannot hold production traffic part-way. End at 100%, ` +
        'or hold at test traffic with "users:BAKE" alone and let a later run continue',
    )
  }
  const finalBakeMinutes = wholeMinutes(last, `the last stage ${label(last)}`)
  const steps = stages.slice(0, -1)
  const first = steps[0]
  if (!first) return { strategy: 'BLUE_GREEN', finalBakeMinutes }
  if (steps.length === 1) {
    if (first.weight < CANARY_MIN_PERCENT - EPSILON || !tenths(first.weight)) {
      refuse(`the canary ${label(first)} is not a multiple of 0.1% from 0.1%`)
    }
    return { strategy: 'CANARY', percent: first.weight, bakeMinutes: wholeMinutes(first, `the canary ${label(first)}`), finalBakeMinutes }
  }
  const step = first.weight
  if (step < LINEAR_MIN_STEP - EPSILON) refuse(`the linear step ${label(first)} is below ECS's minimum step of ${LINEAR_MIN_STEP}%`)
  if (!tenths(step)) refuse(`the linear step ${label(first)} is not a multiple of 0.1%`)
  const bakeMinutes = wholeMinutes(first, `the stage ${label(first)}`)
  steps.forEach((stage, index) => {
    if (Math.abs(stage.weight - step * (index + 1)) > EPSILON) {
      refuse(`${label(stage)} is not the next equal step of ${step}% (ECS's linear steps are equal: ${step * (index + 1)}% comes next)`)
    }
    if (stage.bakeMs !== first.bakeMs)
      refuse(`${label(stage)} bakes ${formatDuration(stage.bakeMs)} but ${label(first)} ${formatDuration(first.bakeMs)}: ECS's linear bakes are equal`)
  })
  // ECS keeps stepping until 100%: the list must not stop short of what ECS would run next.
  if (step * (steps.length + 1) < 100 - EPSILON) {
    refuse(`after ${label(steps.at(-1) as Stage)} ECS would shift to ${step * (steps.length + 1)}%, not 100%: list every step`)
  }
  return { strategy: 'LINEAR', stepPercent: step, bakeMinutes, finalBakeMinutes }
}

/** Maps validated stages onto an ECS strategy, or throws EcsStageError naming what ECS cannot run. */
export function mapStages(stages: readonly Stage[]): EcsPlan {
  const [head, ...rest] = stages
  if (!head) return refuse('no stages given')
  if (head.users) return { testTraffic: { bakeMs: head.bakeMs }, production: rest.length === 0 ? undefined : production(rest) }
  return { testTraffic: undefined, production: production(stages) }
}

/** The production weights ECS steps through, in order (each is a stage for the analysis). */
export function productionSteps(plan: ProductionPlan): number[] {
  if (plan.strategy === 'BLUE_GREEN') return [100]
  if (plan.strategy === 'CANARY') return [plan.percent, 100]
  const steps: number[] = []
  for (let w = plan.stepPercent; w < 100 - EPSILON; w += plan.stepPercent) steps.push(Math.round(w * 1000) / 1000)
  return [...steps, 100]
}

export function describeProduction(plan: ProductionPlan): string {
  const bake = plan.finalBakeMinutes > 0 ? `, then ${plan.finalBakeMinutes} min at 100% with the old revision still up` : ''
  if (plan.strategy === 'BLUE_GREEN') return `BLUE_GREEN (all production traffic at once${bake})`
  if (plan.strategy === 'CANARY') return `CANARY (canaryPercent ${plan.percent}, canaryBakeTimeInMinutes ${plan.bakeMinutes}${bake})`
  return `LINEAR (stepPercent ${plan.stepPercent}, stepBakeTimeInMinutes ${plan.bakeMinutes}${bake})`
}

export function describePlan(plan: EcsPlan): string {
  const test = plan.testTraffic ? `test traffic first, judged for ${formatDuration(plan.testTraffic.bakeMs)} at a PAUSE hook` : undefined
  const prod = plan.production ? describeProduction(plan.production) : 'then hold at the test-traffic hook for a later run to continue'
  return [test, prod].filter((p) => p !== undefined).join('; ')
}
