// The baseline's one request (see sdk-floor.ts).
import { GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda'

export async function getAlias(): Promise<void> {
  const client = new LambdaClient({ region: process.env['AWS_REGION'] ?? 'us-east-1' })
  try {
    await client.send(new GetAliasCommand({ FunctionName: process.env['INPUT_FUNCTION-NAME'] ?? 'bench-start', Name: 'live' }))
  } catch {
    // Only the request's departure is timed.
  } finally {
    client.destroy()
  }
}
