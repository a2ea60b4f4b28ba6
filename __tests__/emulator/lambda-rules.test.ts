import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { EmulatorControl } from '../../emulator/client.js'
import { startEmulator, type Emulator } from '../../emulator/server.js'

let emu: Emulator
let lambda: LambdaClient

beforeAll(async () => {
  emu = await startEmulator()
  lambda = new LambdaClient({ endpoint: emu.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }, maxAttempts: 1 })
})
afterAll(async () => {
  lambda.destroy()
  await emu.close()
})
beforeEach(() => {
  emu.reset()
  emu.seedFunction('orders', { versions: 2 })
  emu.seedAlias('orders', 'live', '1')
})

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: Error & { $metadata?: { httpStatusCode?: number } }) => error,
  )

describe('emulated Lambda: rules the action must not trip over', () => {
  it("limits the alias description to 256 characters, with Lambda's ValidationException", async () => {
    await lambda.send(new UpdateAliasCommand({ FunctionName: 'orders', Name: 'live', Description: 'é'.repeat(256) }))
    const error = await failure(lambda.send(new UpdateAliasCommand({ FunctionName: 'orders', Name: 'live', Description: 'x'.repeat(257) })))
    expect(error?.name).toBe('ValidationException')
    expect(error?.$metadata?.httpStatusCode).toBe(400)
    expect(error?.message).toContain("at 'description' failed to satisfy constraint: Member must have length less than or equal to 256")
  })

  it('routes an alias across two versions only when they share the execution role and dead-letter configuration', async () => {
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'orders', Role: 'arn:aws:iam::123456789012:role/other' }))
    await lambda.send(new PublishVersionCommand({ FunctionName: 'orders' })) // version 3, other role
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'orders',
        Role: 'arn:aws:iam::123456789012:role/orders-role',
        DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:123456789012:dlq' },
      }),
    )
    await lambda.send(new PublishVersionCommand({ FunctionName: 'orders' })) // version 4, same role, a DLQ
    const v3 = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'orders', Qualifier: '3' }))
    const v4 = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'orders', Qualifier: '4' }))
    expect(v3.Role).toBe('arn:aws:iam::123456789012:role/other')
    expect(v4.DeadLetterConfig?.TargetArn).toBe('arn:aws:sqs:us-east-1:123456789012:dlq')

    const shift = (version: string) =>
      lambda.send(new UpdateAliasCommand({ FunctionName: 'orders', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { [version]: 0.1 } } }))
    expect((await failure(shift('3')))?.message).toContain('same execution role')
    expect((await failure(shift('4')))?.message).toContain('same dead-letter queue configuration')
    expect((await failure(shift('3')))?.name).toBe('InvalidParameterValueException')
    await shift('2')
  })

  it('can serve a stale GetAlias right after a write (switch, also over the control API)', async () => {
    await new EmulatorControl(emu.url).setStaleAliasReads(1)
    const written = await lambda.send(
      new UpdateAliasCommand({ FunctionName: 'orders', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } } }),
    )
    const stale = await lambda.send(new GetAliasCommand({ FunctionName: 'orders', Name: 'live' }))
    const fresh = await lambda.send(new GetAliasCommand({ FunctionName: 'orders', Name: 'live' }))
    expect(stale.RoutingConfig).toBeUndefined()
    expect(stale.RevisionId).not.toBe(written.RevisionId)
    expect(fresh.RevisionId).toBe(written.RevisionId)
    expect(fresh.RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.1 })
  })
})
