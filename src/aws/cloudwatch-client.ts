import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { clientSettings } from './clients.js'
import { paceClient, processBudgets, type Budgets } from './pace.js'

// Apart from src/aws/clients.ts so that alias mode's first request, a Lambda read, never waits for
// the CloudWatch SDK to load: the bundle keeps this client in a chunk that loads with the gates.
/** A CloudWatch client spending the process's shared per-API budgets (DescribeAlarms, DescribeAlarmHistory, GetMetricData). */
export function cloudWatchClient(region: string, budgets: Budgets = processBudgets): CloudWatchClient {
  return paceClient(new CloudWatchClient(clientSettings(region, 'poll')), 'cloudwatch', budgets)
}
