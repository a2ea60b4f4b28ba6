import * as core from '@actions/core'
import { lambdaClient } from './aws.js'
import { OwnershipError } from './errors.js'
import type { Config } from './inputs.js'
import { LambdaAliasProvider } from './providers/lambda-alias.js'
import { describeRouting } from './traffic.js'

/** `mode: rollback`: send all traffic to the alias's stable version and clear its routing. */
export async function rollbackAlias(config: Config): Promise<void> {
  const client = lambdaClient(config.region, 'rollback')
  try {
    const provider = new LambdaAliasProvider({
      client,
      rollbackClient: client,
      functionName: config.functionName,
      alias: config.alias,
      region: config.region,
    })
    const routing = await provider.current()
    core.info(`${provider.resource} routes ${describeRouting(routing)}`)
    let canary = routing.canaryVersion
    if (canary === undefined && config.version !== undefined && routing.stableVersion === config.version) {
      throw new OwnershipError(
        `version ${config.version} already serves all of ${provider.resource}; rollback mode cannot tell which version served before`,
      )
    }
    if (canary !== undefined && config.version !== undefined && canary !== config.version) {
      throw new OwnershipError(`${provider.resource} routes its canary share to version ${canary}, not ${config.version}; leaving it alone`)
    }
    if (canary !== undefined) {
      const after = await provider.rollback({ stable: routing.stableVersion, target: canary })
      core.info(`${provider.resource} now routes ${describeRouting(after)} (verified)`)
    } else {
      core.info('No canary routing to remove: traffic is already on the stable version.')
      canary = config.version
    }
    core.setOutput('result', 'rolled-back')
    core.setOutput('weight', '0')
    core.setOutput('stable-version', routing.stableVersion)
    core.setOutput('target-version', canary ?? '')
    core.setOutput('alarm', '')
    await core.summary
      .addRaw(`## Canary release of [${provider.resource}](${provider.link}): ↩️ Rolled back\n\nAll traffic on version ${routing.stableVersion}.\n`)
      .write()
  } finally {
    client.destroy()
  }
}
