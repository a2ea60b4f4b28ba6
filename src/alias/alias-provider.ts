import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  UpdateAliasCommand,
  type AliasConfiguration,
  type FunctionConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda'
import { errorMessage, OwnershipError, RefusalError, VerificationError } from '../core/errors.js'
import { parseMarker, runIdOf, stripMarker, withMarker } from './hold-marker.js'
import { aliasLink } from '../aws/links.js'
import { quote } from '../core/quote.js'
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
  /** The workflow run; its id is noted in the alias description while the canary is live. */
  readonly runUrl?: string
  readonly now?: () => number
  /** Waits between re-reads of a lagging alias (tests pass a fake). */
  readonly sleep?: (ms: number) => Promise<void>
}

/** What an alias holds that a write sets: its routing and its description. */
interface Content {
  readonly routing: Routing
  readonly description: string
}

/** How often a read that lags behind a refused write is retried, and the first wait (doubling). */
const LAGGING_READS = 3
const LAGGING_WAIT_MS = 200

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

const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Moves traffic on a Lambda alias with weighted routing. Every write carries the RevisionId
 * of the last read or write, so a concurrent change by anyone else fails the write instead of
 * being overwritten. Each write is verified from UpdateAlias's own answer (the alias as written,
 * with its new RevisionId), so no later, possibly lagging, read can contradict it.
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
  async routing(): Promise<Routing> {
    return routingOf(this.remember(await this.read(this.options.client)))
  }

  async inspect(): Promise<TrafficState> {
    const target = this.options.targetVersion
    const routing = await this.routing()
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
    if (routing.canaryVersion === undefined && routing.stableVersion === target) {
      // Already serving the target: its stable version is the target, and rollback leaves it alone.
      this.stable = target
      return state('promoted', 100)
    }
    if (routing.canaryVersion !== undefined && routing.canaryVersion !== target) return state('foreign', routing.canaryWeight)
    if (routing.stableVersion === '$LATEST') {
      throw new RefusalError(`${this.resource} points at $LATEST, which cannot share traffic; point it at a published version first`)
    }
    await this.assertCanShare(routing.stableVersion, target)
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
    const wanted: Content = { routing: expected, description: withMarker(this.description, { ...marker, baked: true }) }
    const sent = this.revision
    let written: AliasConfiguration
    try {
      written = await client.send(
        new UpdateAliasCommand({
          FunctionName: this.options.functionName,
          Name: this.options.alias,
          Description: wanted.description,
          ...(sent ? { RevisionId: sent } : {}),
        }),
      )
    } catch (error) {
      if (!isPreconditionFailure(error)) throw error
      return await this.confirmOurs(client, wanted, sent)
    }
    const after = routingOf(this.remember(written))
    if (!sameRouting(after, expected)) {
      throw new OwnershipError(`${this.resource} now routes ${describeRouting(after)}, not ${describeRouting(expected)}`)
    }
  }

  /**
   * Sends everything to the stable version, but only while the alias still routes to our
   * target. Uses the rollback client; reads afresh when the last revision is unknown or stale.
   * An alias that already served the target before this run is left alone.
   */
  async rollback(): Promise<string> {
    const client = this.options.rollbackClient
    const stable = this.requireStable()
    if (stable === this.options.targetVersion) return `100% version ${stable} (served it before this run; left alone)`
    const stableOnly: Routing = { stableVersion: stable, canaryVersion: undefined, canaryWeight: 0 }
    if (this.revision === undefined) {
      const live = routingOf(this.remember(await this.read(client)))
      if (sameRouting(live, stableOnly)) return describeRouting(live)
      this.assertOurs(live)
    }
    try {
      return await this.write(client, stableOnly)
    } catch (error) {
      if (!(error instanceof OwnershipError)) throw error
      // Changed since our last write: roll back only if it still routes to our target.
      const live = routingOf(this.remember(await this.read(client)))
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

  /**
   * Lambda routes an alias across two versions only when both are published and share the
   * execution role and the dead-letter configuration. Checked before any write, so a fleet
   * never half-moves into a shift Lambda would refuse.
   */
  private async assertCanShare(stable: string, target: string): Promise<void> {
    const name = shortFunctionName(this.options.functionName)
    if (!/^\d+$/.test(target)) throw new RefusalError(`version ${quote(target)} of ${name} is not a published version; publish one and name its number`)
    const [stableRead, targetRead] = await Promise.allSettled([this.configOf(stable), this.configOf(target)])
    // A missing target is the likelier mistake, so it is the one reported.
    if (targetRead.status === 'rejected') throw targetRead.reason
    if (stableRead.status === 'rejected') throw stableRead.reason
    const [stableConfig, targetConfig] = [stableRead.value, targetRead.value]
    const differences: string[] = []
    if (stableConfig.Role !== targetConfig.Role) {
      differences.push(`execution role ${stableConfig.Role ?? 'none'} (version ${stable}) vs ${targetConfig.Role ?? 'none'} (version ${target})`)
    }
    const dlq = (config: FunctionConfiguration) => config.DeadLetterConfig?.TargetArn ?? 'none'
    if (dlq(stableConfig) !== dlq(targetConfig)) {
      differences.push(`dead-letter target ${dlq(stableConfig)} (version ${stable}) vs ${dlq(targetConfig)} (version ${target})`)
    }
    if (differences.length > 0) {
      throw new RefusalError(
        `${this.resource} cannot split traffic between versions ${stable} and ${target}: ${differences.join('; ')}. ` +
          'Lambda routes an alias across two versions only when they share the execution role and dead-letter configuration; publish the new version with the same ones.',
      )
    }
  }

  private async configOf(version: string): Promise<FunctionConfiguration> {
    try {
      return await this.options.client.send(new GetFunctionConfigurationCommand({ FunctionName: this.options.functionName, Qualifier: version }))
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') {
        throw new RefusalError(`version ${version} of ${shortFunctionName(this.options.functionName)} does not exist; publish it first`)
      }
      throw error
    }
  }

  private read(client: LambdaClient): Promise<AliasConfiguration> {
    return client.send(new GetAliasCommand({ FunctionName: this.options.functionName, Name: this.options.alias }))
  }

  /** Keeps an alias as read or as written: its revision is the precondition for the next write. */
  private remember(alias: AliasConfiguration): AliasConfiguration {
    this.revision = alias.RevisionId
    this.expected = routingOf(alias)
    this.description = alias.Description
    return alias
  }

  /** The description to write with `wanted`: a marker while the canary is live, the user's text after. */
  private describe(wanted: Routing): string {
    if (wanted.canaryVersion === undefined) return stripMarker(this.description)
    const now = this.options.now ?? Date.now
    return withMarker(this.description, {
      version: wanted.canaryVersion,
      weight: wanted.canaryWeight,
      since: now(),
      run: runIdOf(this.options.runUrl),
      baked: false,
    })
  }

  private async write(client: LambdaClient, routing: Routing): Promise<string> {
    const wanted: Content = { routing, description: this.describe(routing) }
    const sent = this.revision
    let written: AliasConfiguration
    try {
      written = await client.send(
        new UpdateAliasCommand({
          FunctionName: this.options.functionName,
          Name: this.options.alias,
          FunctionVersion: routing.stableVersion,
          Description: wanted.description,
          RoutingConfig: {
            AdditionalVersionWeights: routing.canaryVersion ? { [routing.canaryVersion]: routing.canaryWeight / 100 } : {},
          },
          ...(sent ? { RevisionId: sent } : {}),
        }),
      )
    } catch (error) {
      if (!isPreconditionFailure(error)) throw error
      // A retry of our own write whose first response was lost fails its precondition too.
      await this.confirmOurs(client, wanted, sent)
      return describeRouting(routing)
    }
    // UpdateAlias answers with the alias as written: that is the verification, and its
    // RevisionId guards the next write. No read follows, so no lagging read can contradict it.
    const answered = routingOf(this.remember(written))
    if (!sameRouting(answered, routing)) {
      throw new VerificationError(`${this.resource} was set to ${describeRouting(routing)} but UpdateAlias answered ${describeRouting(answered)}`)
    }
    return describeRouting(answered)
  }

  /**
   * After a write refused for its RevisionId: returns when the alias holds exactly what we wrote
   * (our write landed and its answer was lost); throws OwnershipError when it holds something
   * else. A read still showing the revision our write named lags behind the refusal, so it is
   * read again; a read that keeps lagging, or fails, is a plain error (the engine then rolls
   * back, or the post step does), never a reason to walk away from a live canary.
   */
  private async confirmOurs(client: LambdaClient, wanted: Content, sent: string | undefined): Promise<void> {
    const before = this.expected ? describeRouting(this.expected) : 'what this rollout last read'
    const sleep = this.options.sleep ?? sleepFor
    for (let attempt = 1; ; attempt += 1) {
      let live: AliasConfiguration
      try {
        live = await this.read(client)
      } catch (error) {
        throw new Error(`${this.resource} refused our write's RevisionId and could not be read back: ${errorMessage(error)}`)
      }
      const lagging = sent !== undefined && live.RevisionId === sent
      if (!lagging) {
        this.remember(live)
        const routing = routingOf(live)
        if (sameRouting(routing, wanted.routing) && (live.Description ?? '') === wanted.description) return
        throw new OwnershipError(
          `${this.resource} was changed by someone else: expected ${before}, found ${describeRouting(routing)}. Stopping without overwriting that change.`,
        )
      }
      if (attempt >= LAGGING_READS) {
        throw new VerificationError(`${this.resource} refused our write's RevisionId but still reads as that revision after ${attempt} reads`)
      }
      await sleep(LAGGING_WAIT_MS * 2 ** (attempt - 1))
    }
  }
}
