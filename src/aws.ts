import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { LambdaClient } from '@aws-sdk/client-lambda'

export const USER_AGENT = 'aws-canary-release-action/0.1'

/**
 * Retry budgets by purpose. Gate reads retry little: three unreadable polls already roll back.
 * Rollback gets its own client and the largest budget, so throttled polls cannot spend it.
 */
const PROFILES = {
  poll: { maxAttempts: 3, requestTimeout: 5_000 },
  write: { maxAttempts: 5, requestTimeout: 10_000 },
  rollback: { maxAttempts: 8, requestTimeout: 2_000 },
} as const

export type ClientPurpose = keyof typeof PROFILES

function common(region: string, purpose: ClientPurpose) {
  const profile = PROFILES[purpose]
  return {
    region,
    customUserAgent: USER_AGENT,
    retryMode: 'standard',
    maxAttempts: profile.maxAttempts,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: profile.requestTimeout },
  } as const
}

export function lambdaClient(region: string, purpose: ClientPurpose): LambdaClient {
  return new LambdaClient(common(region, purpose))
}

export function cloudWatchClient(region: string): CloudWatchClient {
  return new CloudWatchClient(common(region, 'poll'))
}
