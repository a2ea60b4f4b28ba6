// Stand-in action that reads an alias through the real SDK, configured only from the environment
// the harness provides (AWS_REGION, fake credentials, AWS_ENDPOINT_URL). Writes what it saw as outputs.
import { appendFileSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { LambdaClient, GetAliasCommand } from '@aws-sdk/client-lambda'

const setOutput = (k, v) => {
  const d = `ghadelimiter_${randomUUID()}`
  appendFileSync(process.env.GITHUB_OUTPUT, `${k}<<${d}\n${v}\n${d}\n`)
}
const client = new LambdaClient({})
try {
  const alias = await client.send(new GetAliasCommand({ FunctionName: process.env['INPUT_FUNCTION-NAME'], Name: process.env.INPUT_ALIAS }))
  setOutput('stable-version', alias.FunctionVersion ?? '')
  setOutput('weights', JSON.stringify(alias.RoutingConfig?.AdditionalVersionWeights ?? {}))
} catch (e) {
  process.stdout.write(`::error::${String(e?.name)}: ${String(e?.message).replace(/%/g, '%25').replace(/\n/g, '%0A')}\n`)
  process.exitCode = 1
}
