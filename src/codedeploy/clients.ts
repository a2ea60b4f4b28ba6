import { CodeDeployClient } from '@aws-sdk/client-codedeploy'
import { USER_AGENT, type ClientPurpose } from '../aws.js'

/** The same budgets as src/aws.ts: polls retry little; the stop/rollback client has its own, larger budget and short timeouts. */
const PROFILES: Record<ClientPurpose, { maxAttempts: number; requestTimeout: number }> = {
  poll: { maxAttempts: 3, requestTimeout: 5_000 },
  write: { maxAttempts: 5, requestTimeout: 10_000 },
  rollback: { maxAttempts: 8, requestTimeout: 2_000 },
}

/** A CodeDeploy client. Use a separate `rollback` client for StopDeployment, so throttled polls cannot spend its retries. */
export function codeDeployClient(region: string, purpose: ClientPurpose): CodeDeployClient {
  const profile = PROFILES[purpose]
  return new CodeDeployClient({
    region,
    customUserAgent: USER_AGENT,
    retryMode: 'standard',
    maxAttempts: profile.maxAttempts,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: profile.requestTimeout },
  })
}

/** The console page of one deployment. */
export function deploymentLink(region: string, deploymentId: string): string {
  return `https://${region}.console.aws.amazon.com/codesuite/codedeploy/deployments/${encodeURIComponent(deploymentId)}?region=${region}`
}
