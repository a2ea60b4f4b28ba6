import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseStages } from '../../src/core/stages.js'
import { EcsStageError, mapStages, productionSteps } from '../../src/ecs/strategy.js'

const map = (text: string) => mapStages(parseStages(text, { users: true }))
const refusal = (text: string): string => {
  try {
    map(text)
  } catch (error) {
    if (error instanceof EcsStageError) return error.message
    throw error
  }
  throw new Error(`${text} was not refused`)
}

describe('issue 19: stages mapped onto what ECS can run', () => {
  it('maps a canary, equal steps and all-at-once onto CANARY, LINEAR and BLUE_GREEN', () => {
    expect(map('10%:5m, 100%').production).toEqual({ strategy: 'CANARY', percent: 10, bakeMinutes: 5, finalBakeMinutes: 0 })
    expect(map('25%:2m, 50%:2m, 75%:2m, 100%').production).toEqual({ strategy: 'LINEAR', stepPercent: 25, bakeMinutes: 2, finalBakeMinutes: 0 })
    expect(map('100%').production).toEqual({ strategy: 'BLUE_GREEN', finalBakeMinutes: 0 })
    expect(map('AllAtOnce').production).toEqual({ strategy: 'BLUE_GREEN', finalBakeMinutes: 0 })
  })

  it('takes a bake on the last stage as bakeTimeInMinutes', () => {
    expect(map('10%:5m, 100%:10m').production).toMatchObject({ strategy: 'CANARY', finalBakeMinutes: 10 })
    expect(map('100%:30m').production).toEqual({ strategy: 'BLUE_GREEN', finalBakeMinutes: 30 })
  })

  it('maps the CodeDeploy-style presets the same way', () => {
    expect(map('Canary10Percent5Minutes').production).toEqual({ strategy: 'CANARY', percent: 10, bakeMinutes: 5, finalBakeMinutes: 0 })
    expect(map('Linear10PercentEvery3Minutes').production).toEqual({ strategy: 'LINEAR', stepPercent: 10, bakeMinutes: 3, finalBakeMinutes: 0 })
  })

  it('makes a first users stage test traffic, and holds there when nothing follows', () => {
    expect(map('users:10m, 10%:5m, 100%')).toEqual({
      testTraffic: { bakeMs: 600_000 },
      production: { strategy: 'CANARY', percent: 10, bakeMinutes: 5, finalBakeMinutes: 0 },
    })
    expect(map('users:15m')).toEqual({ testTraffic: { bakeMs: 900_000 }, production: undefined })
  })

  it.each([
    ['10%:30s, 100%', 'whole minutes'],
    ['10%:5m, 100%:90s', 'whole minutes'],
    ['25%:2m, 50%:3m, 75%:2m, 100%', 'equal'],
    ['10%:2m, 30%:2m, 100%', 'next equal step'],
    ['2%:1m, 4%:1m, 100%', 'minimum step of 3%'],
    ['25%:2m, 50%:2m, 100%', 'would shift to 75%'],
    ['0.05%:5m, 100%', 'multiple of 0.1%'],
    ['10%:1441m, 100%', 'at most 1440'],
    ['10%:5m', 'cannot hold production traffic'],
  ])('refuses %s, naming what is wrong and the forms ECS runs', (stages, why) => {
    const message = refusal(stages)
    expect(message).toContain(why)
    expect(message).toContain('P%:Nm, 100%')
    expect(message).toContain('BLUE_GREEN')
  })

  it('property: any equal-step list that reaches 100% maps to LINEAR, and ECS steps through exactly the listed weights', () => {
    fc.assert(
      fc.property(fc.integer({ min: 30, max: 500 }), fc.integer({ min: 0, max: 1440 }), (tenthsStep, minutes) => {
        const step = tenthsStep / 10
        const weights: number[] = []
        for (let w = step; w < 100 - 1e-9; w += step) weights.push(Math.round(w * 10) / 10)
        fc.pre(weights.length >= 2 && minutes > 0)
        const text = [...weights.map((w) => `${w}%:${minutes}m`), '100%'].join(', ')
        const plan = map(text).production
        expect(plan).toMatchObject({ strategy: 'LINEAR', stepPercent: step, bakeMinutes: minutes })
        if (plan) expect(productionSteps(plan)).toEqual([...weights, 100])
      }),
    )
  })

  it('property: a canary maps when it is a multiple of 0.1% with a whole-minute bake, and is refused otherwise', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99_999 }), fc.integer({ min: 1, max: 3000 }), (thousandths, seconds) => {
        const percent = thousandths / 1000
        const text = `${percent}%:${seconds}s, 100%`
        const runnable = thousandths % 100 === 0 && seconds % 60 === 0 && seconds / 60 <= 1440
        if (runnable) expect(map(text).production).toMatchObject({ strategy: 'CANARY', percent, bakeMinutes: seconds / 60 })
        else expect(() => map(text)).toThrow(EcsStageError)
      }),
    )
  })
})
