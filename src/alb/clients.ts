import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { clientSettings, type ClientPurpose } from '../aws/clients.js'

/** An ELBv2 client with the shared budgets; the rollback gets its own, so throttled reads cannot spend its retries. */
export function elbv2Client(region: string, purpose: ClientPurpose): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client(clientSettings(region, purpose))
}

/** The console page of a listener (a rule's page is its listener's rules tab). */
export function listenerLink(region: string, listenerArn: string): string {
  return `https://${region}.console.aws.amazon.com/ec2/home?region=${region}#ListenerDetails:listenerArn=${encodeURIComponent(listenerArn)}`
}
