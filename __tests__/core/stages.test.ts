import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseStages, PRESETS, presetName, remainingStages, holds, StageSyntaxError } from '../../src/core/stages.js'

describe('parseStages', () => {
  it('reads a list of weights and bake times', () => {
    expect(parseStages('10%:5m, 50%:10m, 100%')).toEqual([
      { weight: 10, bakeMs: 300_000 },
      { weight: 50, bakeMs: 600_000 },
      { weight: 100, bakeMs: 0 },
    ])
  })

  it('accepts seconds, hours, fractions and newlines', () => {
    expect(parseStages('0.5%:2s\n25%:1.5h\n100%:30s')).toEqual([
      { weight: 0.5, bakeMs: 2_000 },
      { weight: 25, bakeMs: 5_400_000 },
      { weight: 100, bakeMs: 30_000 },
    ])
  })

  it('expands every CodeDeploy preset, with or without the prefix', () => {
    expect(parseStages('Canary10Percent5Minutes')).toEqual([
      { weight: 10, bakeMs: 300_000 },
      { weight: 100, bakeMs: 0 },
    ])
    expect(parseStages('CodeDeployDefault.LambdaLinear10PercentEvery2Minutes').map((s) => s.weight)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    expect(parseStages('CodeDeployDefault.LambdaAllAtOnce')).toEqual([{ weight: 100, bakeMs: 0 }])
    for (const name of Object.keys(PRESETS)) expect(presetName(`CodeDeployDefault.Lambda${name}`)).toBe(name)
  })

  it('accepts a zero bake on the last stage, and a hold with none', () => {
    expect(parseStages('10%:1m, 100%:0s')).toEqual([
      { weight: 10, bakeMs: 60_000 },
      { weight: 100, bakeMs: 0 },
    ])
    expect(parseStages('10%:0s')).toEqual([{ weight: 10, bakeMs: 0 }])
  })

  it('holds when the list stops below 100%', () => {
    const stages = parseStages('10%:5m')
    expect(holds(stages)).toBe(true)
    expect(holds(parseStages('10%:5m, 100%'))).toBe(false)
  })

  it.each([
    ['', 'no stages given'],
    ['10%:5m, 5%', '"5%": weights must strictly increase'],
    ['10%:5m, 10%', '"10%": weights must strictly increase'],
    ['0%:1m, 100%', '"0%:1m": weight must be above 0%'],
    ['150%', '"150%": weight must be above 0% and at most 100%'],
    ['10%:5x', 'bake time "5x" is not a duration'],
    ['10%, 100%', '"10%": every stage but the last needs a bake time'],
    ['ten percent', '"ten percent" is neither a preset nor a stage'],
    ['100%:1m, 100%', 'weights must strictly increase'],
    ['0.0001%:1m', 'more than 3 decimals'],
    ['Canary99Percent', '"Canary99Percent" is neither a preset'],
    // Stages separated by something other than a comma or a newline: the separator is the problem, not the bake time.
    ['10%:5m 50%:10m 100%', '"10%:5m 50%:10m 100%" holds more than one stage: separate stages with commas or newlines, e.g. "10%:5m, 50%:10m, 100%"'],
    ['10%:5m; 100%', '"10%:5m; 100%" holds more than one stage: separate stages with commas or newlines, e.g. "10%:5m, 100%"'],
    ['10%:5m, 50%:10m 100%', '"50%:10m 100%" holds more than one stage: separate stages with commas or newlines, e.g. "10%:5m, 50%:10m, 100%"'],
    // A preset in the wrong case, or a letter off, names the preset.
    ['canary10percent5minutes', '"canary10percent5minutes" is not a preset (preset names are case-sensitive): did you mean "Canary10Percent5Minutes"?'],
    ['CODEDEPLOYDEFAULT.LAMBDAALLATONCE', 'is not a preset (preset names are case-sensitive): did you mean "AllAtOnce"?'],
    [
      'Linear10PercentEvery1Minutes',
      '"Linear10PercentEvery1Minutes" is not a preset: did you mean "Linear10PercentEvery10Minutes" or "Linear10PercentEvery1Minute"?',
    ],
    ['Canary10Percent5Minute', '"Canary10Percent5Minute" is not a preset: did you mean "Canary10Percent5Minutes"?'],
    // A zero bake before the last stage would shift again before any alarm could see the traffic.
    ['5%:0s, 100%', '"5%:0s": a stage before the last needs a bake time above 0s'],
    ['5%:0s, 100%', 'to switch all traffic at once, use the preset "AllAtOnce"'],
    ['5%:1m, 50%:0m, 100%', '"50%:0m": a stage before the last needs a bake time above 0s'],
  ])('rejects %j, quoting it', (input, message) => {
    expect(() => parseStages(input)).toThrow(StageSyntaxError)
    expect(() => parseStages(input)).toThrow(message)
  })

  it('never accepts a plan that is out of range or not increasing (property)', () => {
    const token = fc.oneof(
      fc.constantFrom('10%', '50%', '100%', '0%', '0.5%', '100.5%', '-5%', '%', ':', ':5m', ':2s', ', ', '\n', '1h', 'x'),
      fc.float({ min: -10, max: 200, noNaN: true }).map((n) => `${n}%`),
      fc.nat(120).map((n) => `${n}%:${n % 7}s`),
      fc.string({ maxLength: 6 }),
    )
    fc.assert(
      fc.property(fc.array(token, { maxLength: 12 }), (tokens) => {
        let stages
        try {
          stages = parseStages(tokens.join(''))
        } catch (error) {
          expect(error).toBeInstanceOf(StageSyntaxError)
          return
        }
        expect(stages.length).toBeGreaterThan(0)
        stages.forEach((stage, i) => {
          expect(stage.weight).toBeGreaterThan(0)
          expect(stage.weight).toBeLessThanOrEqual(100)
          expect(stage.bakeMs).toBeGreaterThanOrEqual(0)
          if (i > 0) expect(stage.weight).toBeGreaterThan(stages[i - 1]!.weight)
        })
      }),
      { numRuns: 3000 },
    )
  })

  it('parses every well-formed increasing list back to the same plan (property)', () => {
    const plan = fc
      .uniqueArray(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 12 })
      .chain((thousandths) =>
        fc.tuple(
          fc.constant([...thousandths].sort((a, b) => a - b).map((t) => t / 1000)),
          fc.array(fc.integer({ min: 1, max: 3600 }), { minLength: 12, maxLength: 12 }),
        ),
      )
    fc.assert(
      fc.property(plan, ([weights, bakes]) => {
        const text = weights.map((w, i) => `${w}%:${bakes[i]}s`).join(', ')
        expect(parseStages(text)).toEqual(weights.map((w, i) => ({ weight: w, bakeMs: bakes[i]! * 1000 })))
      }),
      { numRuns: 1000 },
    )
  })
})

describe('remainingStages', () => {
  it('continues from the first stage above the live weight', () => {
    const stages = parseStages('10%:1m, 50%:1m, 100%')
    expect(remainingStages(stages, 10).map((s) => s.weight)).toEqual([50, 100])
    expect(remainingStages(stages, 0).map((s) => s.weight)).toEqual([10, 50, 100])
    expect(remainingStages(stages, 60).map((s) => s.weight)).toEqual([100])
  })
})

describe('parseStages with a users stage (ALB mode)', () => {
  it('reads users:BAKE as a first stage at weight 0', () => {
    expect(parseStages('users:30m, 10%:5m, 100%', { users: true })).toEqual([
      { weight: 0, bakeMs: 1_800_000, users: true },
      { weight: 10, bakeMs: 300_000 },
      { weight: 100, bakeMs: 0 },
    ])
    expect(parseStages('users:1s', { users: true })).toEqual([{ weight: 0, bakeMs: 1_000, users: true }])
    expect(holds(parseStages('users:1s', { users: true }))).toBe(true)
  })

  it.each([
    ['users:5m, 100%', {}, 'a users stage needs an Application Load Balancer'],
    ['10%:5m, users:5m, 100%', { users: true }, '"users:5m": a users stage can only be the first stage'],
    ['users, 100%', { users: true }, 'a users stage followed by others needs a bake time'],
    ['users:5x, 100%', { users: true }, 'bake time "5x" is not a duration'],
  ])('rejects %j', (input, options, message) => {
    expect(() => parseStages(input, options)).toThrow(StageSyntaxError)
    expect(() => parseStages(input, options)).toThrow(message)
  })

  it('only ever puts a users stage first, and the weights after it still increase (property)', () => {
    const token = fc.oneof(
      fc.constantFrom('users', 'users:', 'users:5m', 'USERS:2s', '10%', '50%:1m', '100%', ':5m', ', ', '\n'),
      fc.nat(120).map((n) => `${n}%:${n % 7}s`),
    )
    fc.assert(
      fc.property(fc.array(token, { maxLength: 10 }), fc.boolean(), (tokens, allowUsers) => {
        let stages
        try {
          stages = parseStages(tokens.join(''), { users: allowUsers })
        } catch (error) {
          expect(error).toBeInstanceOf(StageSyntaxError)
          return
        }
        stages.forEach((stage, i) => {
          if (stage.users) {
            expect(allowUsers).toBe(true)
            expect(i).toBe(0)
            expect(stage.weight).toBe(0)
          } else {
            expect(stage.weight).toBeGreaterThan(0)
            if (i > 0) expect(stage.weight).toBeGreaterThan(stages[i - 1]!.weight)
          }
        })
      }),
      { numRuns: 2000 },
    )
  })
})

describe('remainingStages with a users stage', () => {
  const stages = parseStages('users:5m, 10%:5m, 100%', { users: true })
  it('keeps the users stage until its rule is live or weights move on', () => {
    expect(remainingStages(stages, 0).length).toBe(3)
    expect(remainingStages(stages, 0, true).map((s) => s.weight)).toEqual([10, 100])
    expect(remainingStages(stages, 10).map((s) => s.weight)).toEqual([100])
  })
})
