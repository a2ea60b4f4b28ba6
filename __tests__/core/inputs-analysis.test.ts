import { describe, expect, it } from 'vitest'
import { readConfig } from '../../src/core/inputs.js'

function configFrom(inputs: Record<string, string>) {
  const all: Record<string, string> = { 'function-name': 'orders', version: '7', ...inputs }
  return readConfig((name) => all[name] ?? '', { AWS_REGION: 'eu-west-1' })
}

describe('analysis inputs', () => {
  it('issue 20: defaults: errors, a 0.1-point floor, 20%, 100 invocations, metrics 2m late', () => {
    expect(configFrom({}).analysis).toEqual({
      compare: ['errors'],
      errorRateTolerance: 0.001,
      durationTolerance: 0.2,
      minInvocations: 100,
      metricsDelayMs: 120_000,
    })
  })

  it.each([
    ['0s', 0],
    ['90s', 90_000],
    ['3m', 180_000],
  ])('issue 20: metrics-delay %s is %i ms', (value, ms) => {
    expect(configFrom({ 'metrics-delay': value }).analysis.metricsDelayMs).toBe(ms)
  })

  it.each([
    ['errors, duration', ['duration', 'errors']],
    ['duration,errors', ['duration', 'errors']],
    ['duration', ['duration']],
    ['none', []],
  ])('analysis %j compares %j', (value, compare) => {
    expect(configFrom({ analysis: value }).analysis.compare).toEqual(compare)
  })

  it('reads tolerances as percentages and min-invocations as a count', () => {
    const { analysis } = configFrom({ 'error-rate-tolerance': '0.5%', 'duration-tolerance': '35 %', 'min-invocations': '250' })
    expect(analysis).toMatchObject({ errorRateTolerance: 0.005, durationTolerance: 0.35, minInvocations: 250 })
  })

  it.each([
    [{ analysis: 'latency' }, 'Input analysis: "latency" is not one of errors, duration, "errors, duration" or none'],
    [{ analysis: 'errors, none' }, 'Input analysis: "errors, none" is not one of errors, duration, "errors, duration" or none'],
    [
      { 'error-rate-tolerance': '0.01' },
      'Input error-rate-tolerance: "0.01" is not a percentage from 0% to 100% like 0.1% (percentage points over the stable)',
    ],
    [
      { 'error-rate-tolerance': '150%' },
      'Input error-rate-tolerance: "150%" is not a percentage from 0% to 100% like 0.1% (percentage points over the stable)',
    ],
    [{ 'duration-tolerance': '-5%' }, 'Input duration-tolerance: "-5%" is not a percentage from 0% to 1000% like 20% (more slow calls than the stable)'],
    [
      { 'metrics-delay': '2 minutes' },
      'Input metrics-delay: "2 minutes" is not a duration from 0s to 10m like 2m or 90s (0s judges datapoints as they arrive)',
    ],
    [{ 'metrics-delay': '1h' }, 'Input metrics-delay: "1h" is not a duration from 0s to 10m like 2m or 90s (0s judges datapoints as they arrive)'],
    [{ 'min-invocations': '1e3' }, 'Input min-invocations: "1e3" is not a whole number of invocations like 0 or 100'],
  ])('rejects %j, quoting the value', (inputs, message) => {
    expect(() => configFrom(inputs)).toThrow(message)
  })
})
