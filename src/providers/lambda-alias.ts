import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  UpdateAliasCommand,
  type AliasConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda'
import { OwnershipError, VerificationError } from '../errors.js'
import { aliasLink } from '../links.js'
import { describeRouting, percentFromFraction, sameWeight, type Release, type Routing, type TrafficProvider } from '../traffic.js'

export interface LambdaAliasOptions {
  readonly client: LambdaClient
  /** A separate client, so a throttled poll cannot spend the rollback's retries. */
  readonly rollbackClient: LambdaClient
  readonly functionName: string
  readonly alias: string
  readonly region: string
}

function routingOf(alias: AliasConfiguration): Routing {
  const weights = Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {})
  const [canary] = weights
  return {
    stableVersion: alias.FunctionVersion ?? '',
    canaryVersion: canary?.[0],
    canaryWeight: canary ? percentFromFraction(canary[1]) : 0,
  }
}

function sameRouting(a: Routing, b: Routing): boolean {
  return a.stableVersion === b.stableVersion && a.canaryVersion === b.canaryVersion && sameWeight(a.canaryWeight, b.canaryWeight)
}

function isPreconditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'PreconditionFailedException'
}

/**
 * Moves traffic on a Lambda alias with weighted routing. Every write carries the RevisionId
 * of the last read, so a concurrent change by anyone else fails the write instead of being
 * overwritten; every write is read back and compared with what was asked for.
 */
export class LambdaAliasProvider implements TrafficProvider {
  readonly resource: string
  readonly link: string
  private revision: string | undefined
  private expected: Routing | undefined

  constructor(private readonly options: LambdaAliasOptions) {
    this.resource = `${options.functionName.split(':function:')[1] ?? options.functionName}:${options.alias}`
    this.link = aliasLink(options.region, options.functionName, options.alias)
  }

  async current(): Promise<Routing> {
    const alias = await this.read(this.options.client)
    const routing = routingOf(alias)
    this.revision = alias.RevisionId
    this.expected = routing
    return routing
  }

  async assertVersionExists(version: string): Promise<void> {
    try {
      await this.options.client.send(
        new GetFunctionConfigurationCommand({ FunctionName: this.options.functionName, Qualifier: version }),
      )
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') {
        throw new VerificationError(`version ${version} of ${this.options.functionName} does not exist; publish it first`)
      }
      throw error
    }
  }

  shift(release: Release, weight: number): Promise<Routing> {
    return this.write(this.options.client, {
      stableVersion: release.stable,
      canaryVersion: release.target,
      canaryWeight: weight,
    })
  }

  promote(release: Release): Promise<Routing> {
    return this.write(this.options.client, { stableVersion: release.target, canaryVersion: undefined, canaryWeight: 0 })
  }

  /**
   * Reads the alias afresh (the rollout's last revision may be stale after a crash) and sends
   * everything to the stable version, but only if the alias still routes to our target.
   */
  async rollback(release: Release): Promise<Routing> {
    const client = this.options.rollbackClient
    const alias = await this.read(client)
    const live = routingOf(alias)
    const stableOnly: Routing = { stableVersion: release.stable, canaryVersion: undefined, canaryWeight: 0 }
    if (sameRouting(live, stableOnly)) return live
    const ours = live.canaryVersion === release.target || (live.stableVersion === release.target && live.canaryVersion === undefined)
    if (!ours) {
      throw new OwnershipError(
        `${this.resource} now routes ${describeRouting(live)}, which this rollout did not set; leaving it alone`,
      )
    }
    this.revision = alias.RevisionId
    this.expected = live
    return this.write(client, stableOnly)
  }

  private async read(client: LambdaClient): Promise<AliasConfiguration> {
    return client.send(new GetAliasCommand({ FunctionName: this.options.functionName, Name: this.options.alias }))
  }

  private async write(client: LambdaClient, wanted: Routing): Promise<Routing> {
    let written: AliasConfiguration
    try {
      written = await client.send(
        new UpdateAliasCommand({
          FunctionName: this.options.functionName,
          Name: this.options.alias,
          FunctionVersion: wanted.stableVersion,
          RoutingConfig: {
            AdditionalVersionWeights: wanted.canaryVersion ? { [wanted.canaryVersion]: wanted.canaryWeight / 100 } : {},
          },
          ...(this.revision ? { RevisionId: this.revision } : {}),
        }),
      )
    } catch (error) {
      if (isPreconditionFailure(error)) throw await this.changedUnderUs(client)
      throw error
    }

    // Read back: the alias must route exactly what was asked, at the revision our write made.
    const after = await this.read(client)
    const routing = routingOf(after)
    if (written.RevisionId && after.RevisionId && written.RevisionId !== after.RevisionId) {
      throw new OwnershipError(
        `${this.resource} changed right after our write: it now routes ${describeRouting(routing)}; stopping without overwriting it`,
      )
    }
    if (!sameRouting(routing, wanted)) {
      throw new VerificationError(
        `${this.resource} was set to ${describeRouting(wanted)} but reads back as ${describeRouting(routing)}`,
      )
    }
    this.revision = after.RevisionId
    this.expected = routing
    return routing
  }

  private async changedUnderUs(client: LambdaClient): Promise<OwnershipError> {
    const expected = this.expected ? describeRouting(this.expected) : 'what this rollout last read'
    try {
      const live = routingOf(await this.read(client))
      return new OwnershipError(
        `${this.resource} was changed by someone else: expected ${expected}, found ${describeRouting(live)}. ` +
          'Stopping without overwriting that change.',
      )
    } catch {
      return new OwnershipError(`${this.resource} was changed by someone else (RevisionId mismatch); stopping without overwriting it`)
    }
  }
}
