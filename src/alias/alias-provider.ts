import { GetAliasCommand, GetFunctionConfigurationCommand, UpdateAliasCommand, type AliasConfiguration, type LambdaClient } from '@aws-sdk/client-lambda'
import { OwnershipError, RefusalError, VerificationError } from '../core/errors.js'
import { parseMarker, stripMarker, withMarker } from './hold-marker.js'
import { aliasLink } from '../aws/links.js'
import { describeRouting, percentFromFraction, sameWeight, type Routing, type TrafficProvider, type TrafficState } from '../core/traffic.js'

export interface LambdaAliasOptions {
  readonly client: LambdaClient
  /** A separate client, so a throttled poll cannot spend the rollback's retries. */
  readonly rollbackClient: LambdaClient
  readonly functionName: string
  readonly alias: string
  readonly region: string
  readonly targetVersion: string
  /** Known when resuming from saved state (the post step); otherwise learnt by inspect(). */
  readonly stableVersion?: string
  /** The workflow run, noted in the alias description while the canary is live. */
  readonly runUrl?: string
  readonly now?: () => number
}

function routingOf(alias: AliasConfiguration): Routing {
  const [canary] = Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {})
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

/** The function's bare name, from a name or an ARN. */
export function shortFunctionName(functionName: string): string {
  return functionName.split(':function:')[1] ?? functionName
}

/**
 * Moves traffic on a Lambda alias with weighted routing. Every write carries the RevisionId
 * of the last read, so a concurrent change by anyone else fails the write instead of being
 * overwritten; every write is read back and compared with what was asked for.
 */
export class LambdaAliasProvider implements TrafficProvider {
  readonly resource: string
  readonly link: string
  private stable: string | undefined
  private revision: string | undefined
  private expected: Routing | undefined
  private description: string | undefined

  constructor(private readonly options: LambdaAliasOptions) {
    this.resource = `${shortFunctionName(options.functionName)}:${options.alias}`
    this.link = aliasLink(options.region, options.functionName, options.alias)
    this.stable = options.stableVersion
  }

  /** The stable version, once known (from inspect() or saved state). */
  get stableVersion(): string | undefined {
    return this.stable
  }

  get targetVersion(): string {
    return this.options.targetVersion
  }

  /** The alias's live routing, unclassified (rollback mode needs the raw split). */
  routing(): Promise<Routing> {
    return this.readInto(this.options.client)
  }

  async inspect(): Promise<TrafficState> {
    const target = this.options.targetVersion
    const routing = await this.readInto(this.options.client)
    const description = describeRouting(routing)
    const marker = parseMarker(this.description)
    const state = (ownership: TrafficState['ownership'], weight: number): TrafficState => ({
      ownership,
      weight,
      description,
      stableVersion: this.stable ?? routing.stableVersion,
      targetVersion: target,
      since: marker?.version === target ? marker.since : undefined,
      baked: marker?.version === target && sameWeight(marker.weight, routing.canaryWeight) && marker.baked,
    })
    if (routing.canaryVersion === undefined && routing.stableVersion === target) return state('promoted', 100)
    if (routing.canaryVersion !== undefined && routing.canaryVersion !== target) return state('foreign', routing.canaryWeight)
    if (routing.stableVersion === '$LATEST') {
      throw new RefusalError(`${this.resource} points at $LATEST, which cannot share traffic; point it at a published version first`)
    }
    await this.assertVersionExists(target)
    this.stable = routing.stableVersion
    return routing.canaryVersion === target ? state('resumable', routing.canaryWeight) : state('fresh', 0)
  }

  shift(weight: number): Promise<string> {
    return this.write(this.options.client, {
      stableVersion: this.requireStable(),
      canaryVersion: this.options.targetVersion,
      canaryWeight: weight,
    })
  }

  promote(): Promise<string> {
    this.requireStable()
    return this.write(this.options.client, { stableVersion: this.options.targetVersion, canaryVersion: undefined, canaryWeight: 0 })
  }

  /** A description-only write (RevisionId-guarded): routing is left as it is. */
  async markBaked(): Promise<void> {
    const marker = parseMarker(this.description)
    const expected = this.expected
    if (!marker || !expected) return
    const client = this.options.client
    try {
      await client.send(
        new UpdateAliasCommand({
          FunctionName: this.options.functionName,
          Name: this.options.alias,
          Description: withMarker(this.description, { ...marker, baked: true }),
          ...(this.revision ? { RevisionId: this.revision } : {}),
        }),
      )
    } catch (error) {
      if (!isPreconditionFailure(error)) throw error
      const conflict = await this.changedUnderUs(client, expected)
      if (conflict) throw conflict
    }
    const after = await this.readInto(client)
    if (!sameRouting(after, expected)) {
      throw new OwnershipError(`${this.resource} now routes ${describeRouting(after)}, not ${describeRouting(expected)}`)
    }
  }

  /**
   * Sends everything to the stable version, but only while the alias still routes to our
   * target. Uses the rollback client; reads afresh when the last revision is unknown or stale.
   */
  async rollback(): Promise<string> {
    const client = this.options.rollbackClient
    const stableOnly: Routing = { stableVersion: this.requireStable(), canaryVersion: undefined, canaryWeight: 0 }
    if (this.revision === undefined) {
      const live = await this.readInto(client)
      if (sameRouting(live, stableOnly)) return describeRouting(live)
      this.assertOurs(live)
    }
    try {
      return await this.write(client, stableOnly)
    } catch (error) {
      if (!(error instanceof OwnershipError)) throw error
      // Changed since our last write: roll back only if it still routes to our target.
      const live = await this.readInto(client)
      if (sameRouting(live, stableOnly)) return describeRouting(live)
      this.assertOurs(live)
      return this.write(client, stableOnly)
    }
  }

  private assertOurs(live: Routing): void {
    const target = this.options.targetVersion
    const ours = live.canaryVersion === target || (live.stableVersion === target && live.canaryVersion === undefined)
    if (!ours) {
      throw new OwnershipError(`${this.resource} now routes ${describeRouting(live)}, which this rollout did not set; leaving it alone`)
    }
  }

  private requireStable(): string {
    if (this.stable === undefined) throw new Error(`internal: ${this.resource} was not inspected before a write`)
    return this.stable
  }

  private async assertVersionExists(version: string): Promise<void> {
    try {
      await this.options.client.send(new GetFunctionConfigurationCommand({ FunctionName: this.options.functionName, Qualifier: version }))
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') {
        throw new RefusalError(`version ${version} of ${shortFunctionName(this.options.functionName)} does not exist; publish it first`)
      }
      throw error
    }
  }

  /** Reads the alias and remembers its revision as the precondition for the next write. */
  private async readInto(client: LambdaClient): Promise<Routing> {
    const alias = await client.send(new GetAliasCommand({ FunctionName: this.options.functionName, Name: this.options.alias }))
    this.revision = alias.RevisionId
    this.expected = routingOf(alias)
    this.description = alias.Description
    return this.expected
  }

  /** The description to write with `wanted`: a marker while the canary is live, the user's text after. */
  private describe(wanted: Routing): string {
    if (wanted.canaryVersion === undefined) return stripMarker(this.description)
    const now = this.options.now ?? Date.now
    return withMarker(this.description, {
      version: wanted.canaryVersion,
      weight: wanted.canaryWeight,
      since: now(),
      runUrl: this.options.runUrl,
      baked: false,
    })
  }

  private async write(client: LambdaClient, wanted: Routing): Promise<string> {
    let written: AliasConfiguration
    try {
      written = await client.send(
        new UpdateAliasCommand({
          FunctionName: this.options.functionName,
          Name: this.options.alias,
          FunctionVersion: wanted.stableVersion,
          Description: this.describe(wanted),
          RoutingConfig: {
            AdditionalVersionWeights: wanted.canaryVersion ? { [wanted.canaryVersion]: wanted.canaryWeight / 100 } : {},
          },
          ...(this.revision ? { RevisionId: this.revision } : {}),
        }),
      )
    } catch (error) {
      if (!isPreconditionFailure(error)) throw error
      // A retry of our own write whose first response was lost fails its precondition too:
      // if the alias routes exactly what we asked for, the write landed.
      const conflict = await this.changedUnderUs(client, wanted)
      if (conflict) throw conflict
      return describeRouting(wanted)
    }

    // Read back: the alias must route exactly what was asked, at the revision our write made.
    const expectedRevision = written.RevisionId
    const routing = await this.readInto(client)
    if (expectedRevision && this.revision && expectedRevision !== this.revision) {
      throw new OwnershipError(
        `${this.resource} changed right after our write: expected ${describeRouting(wanted)}, found ${describeRouting(routing)}; stopping without overwriting it`,
      )
    }
    if (!sameRouting(routing, wanted)) {
      throw new VerificationError(`${this.resource} was set to ${describeRouting(wanted)} but reads back as ${describeRouting(routing)}`)
    }
    return describeRouting(routing)
  }

  /** Undefined when the alias already routes `wanted` (our write landed); else what changed. */
  private async changedUnderUs(client: LambdaClient, wanted: Routing): Promise<OwnershipError | undefined> {
    const expected = this.expected ? describeRouting(this.expected) : 'what this rollout last read'
    try {
      const live = await this.readInto(client)
      if (sameRouting(live, wanted)) return undefined
      return new OwnershipError(
        `${this.resource} was changed by someone else: expected ${expected}, found ${describeRouting(live)}. Stopping without overwriting that change.`,
      )
    } catch {
      return new OwnershipError(`${this.resource} was changed by someone else (RevisionId mismatch); stopping without overwriting it`)
    }
  }
}
