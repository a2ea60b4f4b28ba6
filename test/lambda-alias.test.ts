import { GetAliasCommand, GetFunctionConfigurationCommand, LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { OwnershipError, VerificationError } from '../src/errors.js'
import { LambdaAliasProvider } from '../src/providers/lambda-alias.js'

const lambda = mockClient(LambdaClient)
const release = { stable: '1', target: '2' }

function alias(revision: string, version: string, weights?: Record<string, number>) {
  return {
    Name: 'live',
    FunctionVersion: version,
    RevisionId: revision,
    ...(weights ? { RoutingConfig: { AdditionalVersionWeights: weights } } : {}),
  }
}

function provider() {
  const client = new LambdaClient({ region: 'us-east-1' })
  return new LambdaAliasProvider({ client, rollbackClient: client, functionName: 'orders', alias: 'live', region: 'us-east-1' })
}

beforeEach(() => lambda.reset())

describe('LambdaAliasProvider', () => {
  it('reads weights as percents', async () => {
    lambda.on(GetAliasCommand).resolves(alias('r1', '1', { '2': 0.1 }))
    expect(await provider().current()).toEqual({ stableVersion: '1', canaryVersion: '2', canaryWeight: 10 })
  })

  it('shifts with the last RevisionId, then reads back and verifies', async () => {
    lambda.on(GetAliasCommand).resolvesOnce(alias('r1', '1')).resolves(alias('r2', '1', { '2': 0.005 }))
    lambda.on(UpdateAliasCommand).resolves(alias('r2', '1', { '2': 0.005 }))
    const p = provider()
    await p.current()
    expect(await p.shift(release, 0.5)).toEqual({ stableVersion: '1', canaryVersion: '2', canaryWeight: 0.5 })
    expect(lambda.commandCalls(UpdateAliasCommand)[0]?.args[0].input).toEqual({
      FunctionName: 'orders',
      Name: 'live',
      FunctionVersion: '1',
      RoutingConfig: { AdditionalVersionWeights: { '2': 0.005 } },
      RevisionId: 'r1',
    })
  })

  it('promotes by pointing the alias at the target and clearing the routing', async () => {
    lambda.on(GetAliasCommand).resolvesOnce(alias('r1', '1', { '2': 0.5 })).resolves(alias('r2', '2'))
    lambda.on(UpdateAliasCommand).resolves(alias('r2', '2'))
    const p = provider()
    await p.current()
    await p.promote(release)
    expect(lambda.commandCalls(UpdateAliasCommand)[0]?.args[0].input).toMatchObject({
      FunctionVersion: '2',
      RoutingConfig: { AdditionalVersionWeights: {} },
    })
  })

  it('turns a RevisionId mismatch into an OwnershipError that says what changed', async () => {
    lambda.on(GetAliasCommand).resolvesOnce(alias('r1', '1')).resolves(alias('r9', '5'))
    lambda.on(UpdateAliasCommand).rejects(Object.assign(new Error('Revision mismatch'), { name: 'PreconditionFailedException' }))
    const p = provider()
    await p.current()
    const attempt = p.shift(release, 10)
    await expect(attempt).rejects.toThrow(OwnershipError)
    await expect(p.shift(release, 10)).rejects.toThrow('expected 100% version 1, found 100% version 5')
  })

  it('fails verification when the alias reads back differently', async () => {
    lambda.on(GetAliasCommand).resolvesOnce(alias('r1', '1')).resolves(alias('r2', '1', { '2': 0.2 }))
    lambda.on(UpdateAliasCommand).resolves(alias('r2', '1', { '2': 0.1 }))
    const p = provider()
    await p.current()
    await expect(p.shift(release, 10)).rejects.toThrow(VerificationError)
  })

  it('rolls back only what it owns', async () => {
    lambda.on(GetAliasCommand).resolves(alias('r1', '1', { '3': 0.1 }))
    await expect(provider().rollback(release)).rejects.toThrow('which this rollout did not set')
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0)
  })

  it('treats an alias already on the stable version as rolled back', async () => {
    lambda.on(GetAliasCommand).resolves(alias('r1', '1'))
    expect(await provider().rollback(release)).toMatchObject({ stableVersion: '1', canaryVersion: undefined })
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0)
  })

  it('rolls back a live canary using a fresh RevisionId', async () => {
    lambda.on(GetAliasCommand).resolvesOnce(alias('r7', '1', { '2': 0.5 })).resolves(alias('r8', '1'))
    lambda.on(UpdateAliasCommand).resolves(alias('r8', '1'))
    await provider().rollback(release)
    expect(lambda.commandCalls(UpdateAliasCommand)[0]?.args[0].input).toMatchObject({
      FunctionVersion: '1',
      RoutingConfig: { AdditionalVersionWeights: {} },
      RevisionId: 'r7',
    })
  })

  it('says when the target version does not exist', async () => {
    lambda.on(GetFunctionConfigurationCommand).rejects(Object.assign(new Error('nope'), { name: 'ResourceNotFoundException' }))
    await expect(provider().assertVersionExists('9')).rejects.toThrow('version 9 of orders does not exist')
  })
})
