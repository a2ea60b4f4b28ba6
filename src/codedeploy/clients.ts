import { CodeDeployClient } from '@aws-sdk/client-codedeploy'
import { clientSettings, type ClientPurpose } from '../aws/clients.js'

/** A CodeDeploy client with the shared budgets: use a separate `rollback` client for StopDeployment, so throttled polls cannot spend its retries. */
export function codeDeployClient(region: string, purpose: ClientPurpose): CodeDeployClient {
  return new CodeDeployClient(clientSettings(region, purpose))
}

/** The console page of one deployment. */
export function deploymentLink(region: string, deploymentId: string): string {
  return `https://${region}.console.aws.amazon.com/codesuite/codedeploy/deployments/${encodeURIComponent(deploymentId)}?region=${region}`
}
