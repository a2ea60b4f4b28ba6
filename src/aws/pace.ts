import type { Clock } from '../core/clock.js'
import { systemClock } from '../core/clock.js'

/** Lambda's control plane allows 15 requests per second per account and region, across all control APIs. */
export const LAMBDA_CONTROL_RPS = 15
/** The pace the action keeps, with headroom for other callers and clock skew. */
export const LAMBDA_PACE_RPS = 12

/**
 * Spaces requests evenly at `perSecond`, shared by every client it is attached to.
 * Each request (every retry attempt included) waits for its own slot.
 */
export class Pacer {
  private next = 0
  private readonly gapMs: number

  constructor(
    perSecond: number,
    private readonly clock: Clock = systemClock,
  ) {
    // Rounded up so float error can never squeeze an extra request into a one-second window.
    this.gapMs = Math.ceil(1000 / perSecond)
  }

  async take(): Promise<void> {
    const now = this.clock.now()
    const slot = Math.max(now, this.next)
    this.next = slot + this.gapMs
    if (slot > now) await this.clock.sleep(slot - now)
  }
}

interface MiddlewareClient {
  middlewareStack: {
    addRelativeTo(middleware: unknown, options: { relation: 'after'; toMiddleware: string; name: string }): void
  }
}

/** Makes every attempt the client sends (retries too) wait for a slot from `pacer`. */
export function paceClient<T extends MiddlewareClient>(client: T, pacer: Pacer): T {
  client.middlewareStack.addRelativeTo(
    (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      await pacer.take()
      return next(args)
    },
    { relation: 'after', toMiddleware: 'retryMiddleware', name: 'canaryPacer' },
  )
  return client
}
