import * as core from '@actions/core'
import type { LambdaClient } from '@aws-sdk/client-lambda'
import { lambdaClient } from './aws.js'
import { OwnershipError } from './errors.js'
import type { Config } from './inputs.js'
import { LambdaAliasProvider } from './providers/lambda-alias.js'
import { describeRouting } from './traffic.js'

function aliasProvider(config: Config, client: LambdaClient, targetVersion: string, stableVersion?: string) {
  return new LambdaAliasProvider({
    client,
    rollbackClient: client,
    functionName: config.functionName,
    alias: config.alias,
    region: config.region,
    targetVersion,
    ...(stableVersion ? { stableVersion } : {}),
  })
}

/** `mode: rollback`: send all traffic to the alias's stable version and clear its routing. */
export async function rollbackAlias(config: Config): Promise<void> {
  const client = lambdaClient(config.region, 'rollback')
  try {
    const reader = aliasProvider(config, client, config.version ?? '')
    const live = await reader.routing()
    core.info(`${reader.resource} routes ${describeRouting(live)}`)
    const canary = live.canaryVersion
    if (canary === undefined && config.version !== undefined && live.stableVersion === config.version) {
      throw new OwnershipError(
        `version ${config.version} already serves all of ${reader.resource}; rollback mode cannot tell which version served before`,
      )
    }
    if (canary !== undefined && config.version !== undefined && canary !== config.version) {
      throw new OwnershipError(`${reader.resource} routes its canary share to version ${canary}, not ${config.version}; leaving it alone`)
    }
    if (canary !== undefined) {
      const provider = aliasProvider(config, client, canary, live.stableVersion)
      core.info(`${provider.resource} now routes ${await provider.rollback()} (verified)`)
    } else {
      core.info('No canary routing to remove: traffic is already on the stable version.')
    }
    core.setOutput('result', 'rolled-back')
    core.setOutput('weight', '0')
    core.setOutput('stable-version', live.stableVersion)
    core.setOutput('target-version', canary ?? config.version ?? '')
    core.setOutput('alarm', '')
    await core.summary
      .addRaw(`## Canary release of [${reader.resource}](${reader.link}): ↩️ Rolled back\n\nAll traffic on version ${live.stableVersion}.\n`)
      .write()
  } finally {
    client.destroy()
  }
}
