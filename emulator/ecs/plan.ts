// A service deployment's plan: the lifecycle stages ECS goes through for a strategy, each with the hook
// stage that runs on entry, the work it does, and how long it waits after. Pure; deployment.ts runs it.
import { type DeploymentConfig, productionSteps } from './config.js'
import type { Step } from './model.js'

/** `sourceCount`: revisions already running (0 for a new service); `shifted`: a BLUE_GREEN, CANARY or LINEAR deployment. */
export function planSteps(config: DeploymentConfig, sourceCount: number, shifted: boolean, minutes: { scaleUp: number; cleanUp: number }): Step[] {
  const up = minutes.scaleUp
  const down = minutes.cleanUp
  if (sourceCount === 0) {
    // A new service: its first revision starts and takes all traffic; nothing to shift from.
    return [
      { stage: 'SCALE_UP', effect: 'scaleUp', minutes: up },
      ...(shifted ? [{ stage: 'PRODUCTION_TRAFFIC_SHIFT' as const, effect: 'production' as const, percent: 100, minutes: 0 }] : []),
    ]
  }
  if (!shifted) {
    return [
      { stage: 'SCALE_UP', effect: 'scaleUp', minutes: up },
      { stage: 'CLEAN_UP', effect: 'cleanUp', minutes: down },
    ]
  }
  const steps: Step[] = []
  if (sourceCount > 1) steps.push({ stage: 'RECONCILE_SERVICE', hookStage: 'RECONCILE_SERVICE', minutes: 0 })
  steps.push(
    { stage: 'PRE_SCALE_UP', hookStage: 'PRE_SCALE_UP', minutes: 0 },
    { stage: 'SCALE_UP', effect: 'scaleUp', minutes: up },
    { stage: 'POST_SCALE_UP', hookStage: 'POST_SCALE_UP', minutes: 0 },
    { stage: 'TEST_TRAFFIC_SHIFT', hookStage: 'TEST_TRAFFIC_SHIFT', effect: 'test', minutes: 0 },
    { stage: 'POST_TEST_TRAFFIC_SHIFT', hookStage: 'POST_TEST_TRAFFIC_SHIFT', minutes: 0 },
    { stage: 'POST_TEST_TRAFFIC_SHIFT', hookStage: 'PRE_PRODUCTION_TRAFFIC_SHIFT', minutes: 0 },
  )
  for (const [i, s] of productionSteps(config).entries()) {
    steps.push({
      stage: 'PRODUCTION_TRAFFIC_SHIFT',
      ...(i === 0 && { hookStage: 'PRODUCTION_TRAFFIC_SHIFT' as const }),
      effect: 'production',
      percent: s.percent,
      minutes: s.bakeMinutes,
    })
  }
  steps.push(
    { stage: 'POST_PRODUCTION_TRAFFIC_SHIFT', hookStage: 'POST_PRODUCTION_TRAFFIC_SHIFT', minutes: 0 },
    { stage: 'BAKE_TIME', minutes: config.bakeTimeInMinutes ?? 0 },
    { stage: 'CLEAN_UP', effect: 'cleanUp', minutes: down },
  )
  return steps
}
