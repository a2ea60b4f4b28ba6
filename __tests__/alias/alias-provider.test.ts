import { GetAliasCommand, GetFunctionConfigurationCommand, LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { OwnershipError, RefusalError, VerificationError } from '../../src/core/errors.js'
import { LambdaAliasProvider } from '../../src/alias/alias-provider.js'

const lambda = mockClient(LambdaClient)

function alias(revision: string, version: string, weights?: Record<string, number>) {
  return {
    Name: 'live',
    FunctionVersion: version,
    RevisionId: revision,
    ...(weights ? { RoutingConfig: { AdditionalVersionWeights: weights } } : {}),
  }
}

function provider(stableVersion?: string) {
  const client = new LambdaClient({ region: 'us-east-1' })
  return new LambdaAliasProvider({
    client,
    rollbackClient: client,
    functionName: 'orders',
    alias: 'live',
    region: 'us-east-1',
    targetVersion: '2',
    runUrl: 'https://github.com/o/r/actions/runs/9',
    now: () => Date.UTC(2026, 10, 23, 12),
    ...(stableVersion ? { stableVersion } : {}),
  })
}

beforeEach(() => {
  lambda.reset()
  lambda.on(GetFunctionConfigurationCommand).resolves({ Role: 'arn:aws:iam::123456789012:role/orders' })
})

describe('LambdaAliasProvider', () => {
  it('reads a live canary of our target as resumable, with its weight in percent', async () => {
    lambda.on(GetAliasCommand).resolves(alias('r1', '1', { '2': 0.1 }))
    expect(await provider().inspect()).toEqual({
      ownership: 'resumable',
      weight: 10,
      description: '90% version 1, 10% version 2',
      stableVersion: '1',
      targetVersion: '2',
      since: undefined,
      baked: false,
    })
  })

  it.each([
    ['fresh', alias('r1', '1'), 0],
    ['promoted', alias('r1', '2'), 100],
    ['foreign', alias('r1', '1', { '3': 0.2 }), 20],
  ] as const)('classifies an alias as %s', async (ownership, live, weight) => {
    lambda.on(GetAliasCommand).resolves(live)
    expect(await provider().inspect()).toMatchObject({ ownership, weight })
  })

  it('refuses an alias on $LATEST', async () => {
    lambda.on(GetAliasCommand).resolves(alias('r1', '$LATEST'))
    await expect(provider().inspect()).rejects.toThrow(RefusalError)
  })

  it("shifts with the last RevisionId and verifies from UpdateAlias's own answer, with no read after it", async () => {
    lambda.on(GetAliasCommand).resolves(alias('r1', '1'))
    lambda.on(UpdateAliasCommand).resolves(alias('r2', '1', { '2': 0.005 }))
    const p = provider()
    await p.inspect()
    expect(await p.shift(0.5)).toBe('99.5% version 1, 0.5% version 2')
    expect(lambda.commandCalls(GetAliasCommand)).toHaveLength(1)
    expect(lambda.commandCalls(UpdateAliasCommand)[0]?.args[0].input).toEqual({
      FunctionName: 'orders',
      Name: 'live',
      FunctionVersion: '1',
      // The hold's start and the run live in AWS, for a later run to find.
      Description: '[canary 2@0.5% since 2026-11-23T12:00:00Z run 9]',
      RoutingConfig: { AdditionalVersionWeights: { '2': 0.005 } },
      RevisionId: 'r1',
    })
  })

  it('reads the hold start back from the alias description', async () => {
    lambda.on(GetAliasCommand).resolves({
      ...alias('r1', '1', { '2': 0.1 }),
      Description: 'orders prod [canary 2@10% since 2026-11-20T08:00:00.000Z https://github.com/o/r/actions/runs/9]',
    })
    expect((await provider().inspect()).since).toBe(Date.UTC(2026, 10, 20, 8))
  })

  it("restores the user's description on promote", async () => {
    const held = { ...alias('r1', '1', { '2': 0.5 }), Description: 'orders prod [canary 2@50% since 2026-11-20T08:00:00.000Z]' }
    lambda.on(GetAliasCommand).resolvesOnce(held).resolves(alias('r2', '2'))
    lambda.on(UpdateAliasCommand).resolves(alias('r2', '2'))
    const p = provider()
    await p.inspect()
    await p.promote()
    expect(lambda.commandCalls(UpdateAliasCommand)[0]?.args[0].input.Description).toBe('orders prod')
  })

  it('promotes by pointing the alias at the target and clearing the routing', async () => {
    lambda
      .on(GetAliasCommand)
      .resolvesOnce(alias('r1', '1', { '2': 0.5 }))
      .resolves(alias('r2', '2'))
    lambda.on(UpdateAliasCommand).resolves(alias('r2', '2'))
    const p = provider()
    await p.inspect()
    await p.promote()
    expect(lambda.commandCalls(UpdateAliasCommand)[0]?.args[0].input).toMatchObject({
      FunctionVersion: '2',
      RoutingConfig: { AdditionalVersionWeights: {} },
    })
  })

  it('turns a RevisionId mismatch into an OwnershipError that says what changed', async () => {
    lambda.on(GetAliasCommand).resolvesOnce(alias('r1', '1')).resolves(alias('r9', '5'))
    lambda.on(UpdateAliasCommand).rejects(Object.assign(new Error('Revision mismatch'), { name: 'PreconditionFailedException' }))
    const p = provider()
    await p.inspect()
    const attempt = p.shift(10)
    await expect(attempt).rejects.toThrow(OwnershipError)
    await expect(attempt).rejects.toThrow('found 100% version 5')
  })

  it('still rolls back when the alias changed since our write but routes to our target', async () => {
    lambda
      .on(GetAliasCommand)
      .resolvesOnce(alias('r1', '1'))
      .resolvesOnce(alias('r3', '1', { '2': 0.2 })) // someone bumped the weight
      .resolvesOnce(alias('r3', '1', { '2': 0.2 }))
      .resolves(alias('r4', '1'))
    lambda
      .on(UpdateAliasCommand)
      .resolvesOnce(alias('r2', '1', { '2': 0.1 }))
      .rejectsOnce(Object.assign(new Error('mismatch'), { name: 'PreconditionFailedException' }))
      .resolves(alias('r4', '1'))
    const p = provider()
    await p.inspect()
    await p.shift(10)
    expect(await p.rollback()).toBe('100% version 1')
    expect(lambda.commandCalls(UpdateAliasCommand).at(-1)?.args[0].input.RevisionId).toBe('r3')
  })

  it('fails verification when UpdateAlias answers with a different routing', async () => {
    lambda.on(GetAliasCommand).resolves(alias('r1', '1'))
    lambda.on(UpdateAliasCommand).resolves(alias('r2', '1', { '2': 0.2 }))
    const p = provider()
    await p.inspect()
    await expect(p.shift(10)).rejects.toThrow(VerificationError)
  })

  it('rolls back only what it owns', async () => {
    lambda.on(GetAliasCommand).resolves(alias('r1', '1', { '3': 0.1 }))
    await expect(provider('1').rollback()).rejects.toThrow('which this rollout did not set')
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0)
  })

  it('treats an alias already on the stable version as rolled back', async () => {
    lambda.on(GetAliasCommand).resolves(alias('r1', '1'))
    expect(await provider('1').rollback()).toBe('100% version 1')
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0)
  })

  it('rolls back a rollout it was not inspected for (the post step), reading the alias first', async () => {
    lambda
      .on(GetAliasCommand)
      .resolvesOnce(alias('r7', '1', { '2': 0.5 }))
      .resolves(alias('r8', '1'))
    lambda.on(UpdateAliasCommand).resolves(alias('r8', '1'))
    await provider('1').rollback()
    expect(lambda.commandCalls(UpdateAliasCommand)[0]?.args[0].input).toMatchObject({
      FunctionVersion: '1',
      RoutingConfig: { AdditionalVersionWeights: {} },
      RevisionId: 'r7',
    })
  })

  it('says when the target version does not exist', async () => {
    lambda.on(GetAliasCommand).resolves(alias('r1', '1'))
    lambda.on(GetFunctionConfigurationCommand).rejects(Object.assign(new Error('nope'), { name: 'ResourceNotFoundException' }))
    await expect(provider().inspect()).rejects.toThrow('version 2 of orders does not exist')
  })

  describe('read-after-write', () => {
    const refused = () => Object.assign(new Error('mismatch'), { name: 'PreconditionFailedException' })

    it('accepts a refused retry whose first attempt landed: a later read shows exactly what we wrote', async () => {
      const p = provider()
      lambda.on(GetAliasCommand).resolvesOnce(alias('r1', '1'))
      lambda.on(UpdateAliasCommand).rejects(refused())
      await p.inspect()
      const written = { ...alias('r2', '1', { '2': 0.1 }), Description: '[canary 2@10% since 2026-11-23T12:00:00Z run 9]' }
      lambda.on(GetAliasCommand).resolves(written)
      expect(await p.shift(10)).toBe('90% version 1, 10% version 2')
    })

    it("a lagging read after a refused write is not someone else's change: it reads again", async () => {
      const sleeps: number[] = []
      const client = new LambdaClient({ region: 'us-east-1' })
      const p = new LambdaAliasProvider({
        client,
        rollbackClient: client,
        functionName: 'orders',
        alias: 'live',
        region: 'us-east-1',
        targetVersion: '2',
        now: () => Date.UTC(2026, 10, 23, 12),
        sleep: async (ms) => {
          sleeps.push(ms)
        },
      })
      const written = { ...alias('r2', '1', { '2': 0.1 }), Description: '[canary 2@10% since 2026-11-23T12:00:00Z]' }
      lambda
        .on(GetAliasCommand)
        .resolvesOnce(alias('r1', '1')) // inspect
        .resolvesOnce(alias('r1', '1')) // lagging: still the revision our write named
        .resolves(written)
      lambda.on(UpdateAliasCommand).rejects(refused())
      await p.inspect()
      expect(await p.shift(10)).toBe('90% version 1, 10% version 2')
      expect(sleeps).toEqual([200])
    })

    it('a read that keeps lagging never ends in an ownership loss (the canary is rolled back, not abandoned)', async () => {
      const client = new LambdaClient({ region: 'us-east-1' })
      const p = new LambdaAliasProvider({
        client,
        rollbackClient: client,
        functionName: 'orders',
        alias: 'live',
        region: 'us-east-1',
        targetVersion: '2',
        sleep: async () => {},
      })
      lambda.on(GetAliasCommand).resolves(alias('r1', '1'))
      lambda.on(UpdateAliasCommand).rejects(refused())
      await p.inspect()
      const attempt = p.shift(10)
      await expect(attempt).rejects.toThrow(VerificationError)
      await expect(attempt).rejects.not.toThrow(OwnershipError)
    })

    it("a different description is someone else's change, even with the same routing", async () => {
      const p = provider()
      lambda
        .on(GetAliasCommand)
        .resolvesOnce(alias('r1', '1'))
        .resolves({ ...alias('r2', '1', { '2': 0.1 }), Description: 'changed by hand' })
      lambda.on(UpdateAliasCommand).rejects(refused())
      await p.inspect()
      await expect(p.shift(10)).rejects.toThrow(OwnershipError)
    })
  })

  describe('a target already serving everything', () => {
    it('is promoted with the target as its stable version, and rollback leaves it alone', async () => {
      lambda.on(GetAliasCommand).resolves(alias('r1', '2'))
      const p = provider()
      expect(await p.inspect()).toMatchObject({ ownership: 'promoted', stableVersion: '2' })
      expect(p.stableVersion).toBe('2')
      expect(await p.rollback()).toContain('left alone')
      expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0)
    })

    it('is left alone by the post step, which knows its stable version from saved state', async () => {
      lambda.on(GetAliasCommand).resolves(alias('r1', '2'))
      expect(await provider('2').rollback()).toContain('left alone')
      expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0)
    })
  })

  describe('weighted-alias preconditions, checked before any write', () => {
    it("refuses a target whose execution role differs from the stable version's, naming both", async () => {
      lambda.on(GetAliasCommand).resolves(alias('r1', '1'))
      lambda.on(GetFunctionConfigurationCommand, { Qualifier: '2' }).resolves({ Role: 'arn:aws:iam::123456789012:role/orders-v2' })
      const attempt = provider().inspect()
      await expect(attempt).rejects.toThrow(RefusalError)
      await expect(attempt).rejects.toThrow(
        'execution role arn:aws:iam::123456789012:role/orders (version 1) vs arn:aws:iam::123456789012:role/orders-v2 (version 2)',
      )
      expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0)
    })

    it('refuses a target whose dead-letter configuration differs, naming both', async () => {
      lambda.on(GetAliasCommand).resolves(alias('r1', '1'))
      lambda
        .on(GetFunctionConfigurationCommand, { Qualifier: '1' })
        .resolves({ Role: 'arn:aws:iam::123456789012:role/orders', DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:123456789012:dlq' } })
      await expect(provider().inspect()).rejects.toThrow('dead-letter target arn:aws:sqs:us-east-1:123456789012:dlq (version 1) vs none (version 2)')
    })

    it('refuses an unpublished target', async () => {
      lambda.on(GetAliasCommand).resolves(alias('r1', '1'))
      const p = new LambdaAliasProvider({
        client: new LambdaClient({ region: 'us-east-1' }),
        rollbackClient: new LambdaClient({ region: 'us-east-1' }),
        functionName: 'orders',
        alias: 'live',
        region: 'us-east-1',
        targetVersion: '$LATEST',
      })
      await expect(p.inspect()).rejects.toThrow('version "$LATEST" of orders is not a published version')
    })
  })
})
