import type { Clock } from '../core/clock.js'
import { systemClock } from '../core/clock.js'

/**
 * A token bucket: `burst` requests go out at once, then one more every 1/`perSecond` s. Over any
 * window of T seconds at most `burst + perSecond × T` requests start, so a run that stays under the
 * rate never waits. Waiters are served in order (the bucket goes into debt, each waits its turn).
 */
export class TokenBucket {
  private tokens: number
  private last: number

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.tokens = burst
    this.last = clock.now()
  }

  /** How long the next request would wait, in ms (0 under budget). */
  async take(): Promise<number> {
    const now = this.clock.now()
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000)
    this.last = now
    this.tokens -= 1
    if (this.tokens >= 0) return 0
    // Rounded up so float error can never squeeze an extra request in early.
    const waitMs = Math.ceil((-this.tokens * 1000) / this.perSecond)
    await this.clock.sleep(waitMs)
    return waitMs
  }
}

export interface ApiBudget {
  /** AWS's published rate for the API (per account and region). */
  readonly perSecond: number
  /**
   * Requests that may go out at once: four fifths of a second's worth. A run under that rate never
   * waits (a fleet of three functions reads and writes 12 times before its first bake), and the last
   * fifth is headroom for other callers in the account and for skew against AWS's own bucket.
   */
  readonly burst: number
}

/**
 * AWS's published request rates, per account and region (Lambda: "control plane API requests", all
 * control APIs together except GetFunction and GetPolicy; CloudWatch: the per-API quotas).
 */
export const API_BUDGETS = {
  'lambda:control-plane': { perSecond: 15, burst: 12 },
  'cloudwatch:DescribeAlarms': { perSecond: 9, burst: 7 },
  'cloudwatch:DescribeAlarmHistory': { perSecond: 3, burst: 2 },
  'cloudwatch:GetMetricData': { perSecond: 50, burst: 40 },
} as const satisfies Record<string, ApiBudget>

export type BudgetName = keyof typeof API_BUDGETS

/** Which budget a request spends, from the client's service and the command's name. */
export function budgetOf(service: 'lambda' | 'cloudwatch', commandName: string): BudgetName | undefined {
  const operation = commandName.replace(/Command$/, '')
  if (service === 'lambda') return 'lambda:control-plane'
  const name = `cloudwatch:${operation}`
  return name in API_BUDGETS ? (name as BudgetName) : undefined
}

/** One bucket per API budget. The process shares one (`processBudgets`) so every client spends the same budget. */
export class Budgets {
  private readonly buckets = new Map<BudgetName, TokenBucket>()
  /** Requests that had to wait, and for how long in total: the bench reports these. */
  readonly waited = { requests: 0, ms: 0 }

  constructor(private readonly clock: Clock = systemClock) {}

  async take(name: BudgetName): Promise<void> {
    let bucket = this.buckets.get(name)
    if (!bucket) {
      const { perSecond, burst } = API_BUDGETS[name]
      bucket = new TokenBucket(perSecond, burst, this.clock)
      this.buckets.set(name, bucket)
    }
    const ms = await bucket.take()
    if (ms > 0) {
      this.waited.requests += 1
      this.waited.ms += ms
    }
  }
}

/** The budgets every client in this process spends. */
export const processBudgets = new Budgets()

interface MiddlewareClient {
  middlewareStack: {
    addRelativeTo(middleware: unknown, options: { relation: 'after'; toMiddleware: string; name: string }): void
  }
}

/** Makes every attempt the client sends (retries too) spend a token from its API's budget first. */
export function paceClient<T extends MiddlewareClient>(client: T, service: 'lambda' | 'cloudwatch', budgets: Budgets = processBudgets): T {
  client.middlewareStack.addRelativeTo(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      const budget = budgetOf(service, context.commandName ?? '')
      if (budget) await budgets.take(budget)
      return next(args)
    },
    { relation: 'after', toMiddleware: 'retryMiddleware', name: 'canaryPacer' },
  )
  return client
}
