import type { Clock } from '../src/core/clock.js'

/** A clock that only moves when the engine sleeps: bakes take no real time. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = []
  constructor(public time = Date.UTC(2026, 10, 23, 12, 0, 0)) {}

  now(): number {
    return this.time
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted')
    this.sleeps.push(ms)
    this.time += ms
  }
}
