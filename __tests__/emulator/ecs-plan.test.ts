/** The emulated ECS's pure parts: deploymentConfiguration bounds from the ecs model, and each strategy's lifecycle plan. */
import { describe, expect, it } from 'vitest'
import { parseDeploymentConfiguration, productionSteps } from '../../emulator/ecs/config.js'
import { planSteps } from '../../emulator/ecs/plan.js'

const minutes = { scaleUp: 0.5, cleanUp: 0.5 }

describe('ECS deploymentConfiguration', () => {
  it.each([
    [{ strategy: 'CANARY', canaryConfiguration: { canaryPercent: 0.05 } }, '0.1 to 100.0'],
    [{ strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10.15 } }, 'multiple of 0.1'],
    [{ strategy: 'LINEAR', linearConfiguration: { stepPercent: 2.9 } }, '3.0 to 100.0'],
    [{ strategy: 'LINEAR', linearConfiguration: { stepBakeTimeInMinutes: 1441 } }, '0 to 1440'],
    [{ strategy: 'CANARY', linearConfiguration: { stepPercent: 10 } }, 'only valid when the deployment strategy is LINEAR'],
    [{ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 2.5 }, '0 to 1440'],
    [{ strategy: 'ROLLING', lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }] }, 'BLUE_GREEN, LINEAR and CANARY'],
    [{ strategy: 'CANARY', lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['BAKE_TIME'] }] }, 'is not one of'],
    [
      {
        strategy: 'CANARY',
        lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'], timeoutConfiguration: { timeoutInMinutes: 20161 } }],
      },
      '1 to 20160',
    ],
    [{ strategy: 'CANARY', lifecycleHooks: [{ lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }] }, 'Lambda function ARN'],
  ])('refuses %j with InvalidParameterException naming the bound', (config, message) => {
    expect(() => parseDeploymentConfiguration(config)).toThrow(
      expect.objectContaining({ code: 'InvalidParameterException', message: expect.stringContaining(message) }),
    )
  })

  it('keeps members an update does not send, as UpdateService does', () => {
    const current = parseDeploymentConfiguration({ strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10 }, bakeTimeInMinutes: 5 })
    expect(parseDeploymentConfiguration({ alarms: { alarmNames: ['a'], enable: true, rollback: true } }, current)).toMatchObject({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10 },
      bakeTimeInMinutes: 5,
      alarms: { alarmNames: ['a'] },
    })
  })
})

describe('ECS traffic steps', () => {
  it('CANARY: the canary percentage for its bake, then everyone; the documented defaults are 5% for 10 minutes', () => {
    expect(
      productionSteps(parseDeploymentConfiguration({ strategy: 'CANARY', canaryConfiguration: { canaryPercent: 0.5, canaryBakeTimeInMinutes: 3 } })),
    ).toEqual([
      { percent: 0.5, bakeMinutes: 3 },
      { percent: 100, bakeMinutes: 0 },
    ])
    expect(productionSteps(parseDeploymentConfiguration({ strategy: 'CANARY' }))).toEqual([
      { percent: 5, bakeMinutes: 10 },
      { percent: 100, bakeMinutes: 0 },
    ])
  })

  it('LINEAR: equal steps without drift, no bake after 100%', () => {
    const steps = productionSteps(parseDeploymentConfiguration({ strategy: 'LINEAR', linearConfiguration: { stepPercent: 33.3, stepBakeTimeInMinutes: 2 } }))
    expect(steps).toEqual([
      { percent: 33.3, bakeMinutes: 2 },
      { percent: 66.6, bakeMinutes: 2 },
      { percent: 99.9, bakeMinutes: 2 },
      { percent: 100, bakeMinutes: 0 },
    ])
    const three = productionSteps(parseDeploymentConfiguration({ strategy: 'LINEAR', linearConfiguration: { stepPercent: 3 } }))
    expect(three).toHaveLength(34)
    expect(three.at(-2)).toEqual({ percent: 99, bakeMinutes: 6 })
  })

  it('a CANARY plan walks the lifecycle stages in the documented order, hooks on entry', () => {
    const plan = planSteps(
      parseDeploymentConfiguration({ strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 }, bakeTimeInMinutes: 2 }),
      1,
      true,
      minutes,
    )
    expect(
      plan.map((s) => `${s.stage}${s.hookStage && s.hookStage !== s.stage ? `(${s.hookStage})` : ''}${s.percent === undefined ? '' : ` ${s.percent}%`}`),
    ).toEqual([
      'PRE_SCALE_UP',
      'SCALE_UP',
      'POST_SCALE_UP',
      'TEST_TRAFFIC_SHIFT',
      'POST_TEST_TRAFFIC_SHIFT',
      'POST_TEST_TRAFFIC_SHIFT(PRE_PRODUCTION_TRAFFIC_SHIFT)',
      'PRODUCTION_TRAFFIC_SHIFT 10%',
      'PRODUCTION_TRAFFIC_SHIFT 100%',
      'POST_PRODUCTION_TRAFFIC_SHIFT',
      'BAKE_TIME',
      'CLEAN_UP',
    ])
    expect(plan.find((s) => s.stage === 'BAKE_TIME')?.minutes).toBe(2)
    expect(planSteps(parseDeploymentConfiguration({ strategy: 'CANARY' }), 2, true, minutes)[0]?.stage).toBe('RECONCILE_SERVICE')
  })
})
