import { describe, expect, it } from 'vitest'
import { readConfig } from '../../src/core/inputs.js'

function configFrom(inputs: Record<string, string>) {
  const all: Record<string, string> = { 'function-name': 'orders', version: '7', ...inputs }
  return readConfig((name) => all[name] ?? '', { AWS_REGION: 'eu-west-1' })
}

describe('analysis inputs', () => {
  it('defaults: errors, 1 point, 20%, no minimum', () => {
    expect(configFrom({}).analysis).toEqual({ compare: ['errors'], errorRateTolerance: 0.01, durationTolerance: 0.2, minInvocations: 0 })
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
    [{ 'error-rate-tolerance': '0.01' }, 'Input error-rate-tolerance: "0.01" is not a percentage from 0% to 100% like 1% (percentage points over the stable)'],
    [{ 'error-rate-tolerance': '150%' }, 'Input error-rate-tolerance: "150%" is not a percentage from 0% to 100% like 1% (percentage points over the stable)'],
    [{ 'duration-tolerance': '-5%' }, 'Input duration-tolerance: "-5%" is not a percentage from 0% to 1000% like 20% (of the stable p99)'],
    [{ 'min-invocations': '1e3' }, 'Input min-invocations: "1e3" is not a whole number of invocations like 0 or 100'],
  ])('rejects %j, quoting the value', (inputs, message) => {
    expect(() => configFrom(inputs)).toThrow(message)
  })
})
