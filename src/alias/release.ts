import type { LambdaClient } from '@aws-sdk/client-lambda'
import { lambdaClient } from '../aws/clients.js'
import { FleetProvider } from './fleet-provider.js'
import { LambdaAliasProvider } from './alias-provider.js'
import type { AliasTarget } from '../core/inputs.js'
import type { TrafficProvider } from '../core/traffic.js'

export interface AliasSpec {
  readonly functionName: string
  readonly alias: string
  readonly targetVersion: string
  /** Known when cleaning up from saved state. */
  readonly stableVersion?: string
}

/** The alias specs for the targets a config names (each rolling out its own version). */
export function specsFor(targets: readonly AliasTarget[]): AliasSpec[] {
  return targets.map((t) => ({ functionName: t.functionName, alias: t.alias, targetVersion: t.version ?? '' }))
}

/** The providers for one release of one or more aliases, and the clients they own. */
export interface AliasRelease {
  /** The single alias's provider, or a fleet moving them all in lockstep. */
  readonly provider: TrafficProvider
  readonly members: readonly LambdaAliasProvider[]
  destroy(): void
}

/**
 * Builds the alias providers. Their clients spend the process's one Lambda control-plane budget
 * (src/aws/pace.ts); the rollback has its own client, so throttled writes cannot spend its retries.
 */
export function aliasRelease(region: string, specs: readonly AliasSpec[], runUrl?: string): AliasRelease {
  const clients: LambdaClient[] = [lambdaClient(region, 'write'), lambdaClient(region, 'rollback')]
  const [client, rollbackClient] = clients as [LambdaClient, LambdaClient]
  const members = specs.map(
    (spec) =>
      new LambdaAliasProvider({
        client,
        rollbackClient,
        region,
        functionName: spec.functionName,
        alias: spec.alias,
        targetVersion: spec.targetVersion,
        ...(spec.stableVersion ? { stableVersion: spec.stableVersion } : {}),
        ...(runUrl ? { runUrl } : {}),
      }),
  )
  const [only] = members
  return {
    provider: members.length === 1 && only ? only : new FleetProvider(members),
    members,
    destroy: () => {
      for (const c of clients) c.destroy()
    },
  }
}
