import { describe, expect, it } from 'vitest'
import { Pacer } from '../../src/aws/pace.js'
import { FakeClock } from '../../__fixtures__/clock.js'

describe('Pacer', () => {
  it('spaces requests so no one-second window holds more than the rate', async () => {
    const clock = new FakeClock(0)
    const pacer = new Pacer(12, clock)
    const sent: number[] = []
    for (let i = 0; i < 60; i++) {
      await pacer.take()
      sent.push(clock.now())
    }
    for (const start of sent) {
      expect(sent.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(12)
    }
    expect(sent.at(-1)).toBe(59 * 84)
  })

  it('does not delay a request after a quiet spell', async () => {
    const clock = new FakeClock(0)
    const pacer = new Pacer(12, clock)
    await pacer.take()
    clock.time = 10_000
    await pacer.take()
    expect(clock.sleeps).toEqual([])
  })
})
