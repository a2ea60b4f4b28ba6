import { describe, expect, it } from 'vitest'
import { pollUntil } from '../../src/aws/poll.js'
import { FakeClock } from '../../__fixtures__/clock.js'

describe('pollUntil', () => {
  it('returns the first value an attempt gives', async () => {
    const clock = new FakeClock(0)
    const end = await pollUntil({ clock, intervalMs: 2_000, maxWaitMs: 60_000 }, async (n) => (n === 3 ? 'done' : undefined))
    expect(end).toEqual({ kind: 'done', value: 'done', attempts: 4 })
    expect(clock.sleeps).toEqual([2_000, 2_000, 2_000])
  })

  it('gives up once the maximum wait has passed, without starting an attempt after it', async () => {
    const clock = new FakeClock(0)
    const started: number[] = []
    const end = await pollUntil({ clock, intervalMs: 2_000, maxWaitMs: 10_000 }, async () => {
      started.push(clock.now())
      return undefined
    })
    expect(end).toMatchObject({ kind: 'timed-out', attempts: 6, waitedMs: 10_000 })
    expect(Math.max(...started)).toBeLessThanOrEqual(10_000)
  })

  it('ends at once when the signal aborts during an attempt, without waiting for it', async () => {
    const controller = new AbortController()
    const end = await pollUntil({ clock: new FakeClock(0), intervalMs: 2_000, maxWaitMs: 60_000, signal: controller.signal }, () => {
      controller.abort(new Error('cancelled by SIGINT'))
      return new Promise<undefined>(() => {})
    })
    expect(end).toEqual({ kind: 'aborted', attempts: 1, reason: 'cancelled by SIGINT' })
  })

  it('ends when the signal aborts during the wait between attempts', async () => {
    const controller = new AbortController()
    const clock = new FakeClock(0)
    clock.sleep = async () => {
      controller.abort(new Error('cancelled by SIGTERM'))
      throw controller.signal.reason
    }
    const end = await pollUntil({ clock, intervalMs: 2_000, maxWaitMs: 60_000, signal: controller.signal }, async () => undefined)
    expect(end).toEqual({ kind: 'aborted', attempts: 1, reason: 'cancelled by SIGTERM' })
  })

  it('passes on an error an attempt throws', async () => {
    await expect(
      pollUntil({ clock: new FakeClock(0), intervalMs: 1, maxWaitMs: 10 }, async () => {
        throw new Error('AccessDenied')
      }),
    ).rejects.toThrow('AccessDenied')
  })
})
