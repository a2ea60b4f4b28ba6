import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { clientSettings } from './clients.js'
import { paceClient, processBudgets, type Budgets } from './pace.js'

/**
 * A CloudWatch client spending the process's shared per-API budgets (DescribeAlarms,
 * DescribeAlarmHistory, GetMetricData). Apart from src/aws/clients.ts so that alias mode's first
 * request, a Lambda read, never waits for the CloudWatch SDK to load.
 */
export function cloudWatchClient(region: string, budgets: Budgets = processBudgets): CloudWatchClient {
  return paceClient(new CloudWatchClient(clientSettings(region, 'poll')), 'cloudwatch', budgets)
}
