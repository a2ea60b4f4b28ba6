import { LambdaClient } from '@aws-sdk/client-lambda'
import { ConfiguredRetryStrategy } from '@smithy/core/retry'
import { paceClient, processBudgets, type Budgets } from './pace.js'

export const USER_AGENT = 'aws-canary-release-action/0.1'

/**
 * Retry budgets by purpose. Gate reads retry little: three unreadable polls already roll back.
 * Rollback gets its own client and the largest budget, so throttled polls cannot spend it.
 */
const PROFILES = {
  poll: { maxAttempts: 3, requestTimeout: 5_000 },
  write: { maxAttempts: 5, requestTimeout: 10_000 },
  rollback: { maxAttempts: 10, requestTimeout: 2_000 },
} as const

export type ClientPurpose = keyof typeof PROFILES

/**
 * The rollback races the runner's cancel window (SIGTERM 7.5 s, kill 10 s after SIGINT), so its
 * retries back off at most 1 s rather than the standard strategy's 20 s.
 */
const ROLLBACK_BACKOFF_CAP_MS = 1_000

function retrySettings(purpose: ClientPurpose) {
  const { maxAttempts } = PROFILES[purpose]
  if (purpose !== 'rollback') return { retryMode: 'standard', maxAttempts } as const
  return {
    retryStrategy: new ConfiguredRetryStrategy(maxAttempts, (attempt) => Math.min(ROLLBACK_BACKOFF_CAP_MS, 100 * 2 ** attempt)),
  }
}

/** Region, user agent, retry budget and timeouts for any AWS client of the given purpose. */
export function clientSettings(region: string, purpose: ClientPurpose) {
  return {
    region,
    customUserAgent: USER_AGENT,
    ...retrySettings(purpose),
    requestHandler: { connectionTimeout: 2_000, requestTimeout: PROFILES[purpose].requestTimeout },
  }
}

/** A Lambda client spending the process's shared control-plane budget (every Lambda client does, whatever its purpose). */
export function lambdaClient(region: string, purpose: ClientPurpose, budgets: Budgets = processBudgets): LambdaClient {
  return paceClient(new LambdaClient(clientSettings(region, purpose)), 'lambda', budgets)
}
