import type { StateValue } from '@aws-sdk/client-cloudwatch'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { startMoto } from './moto.js'
import { getAlias, putAlarm, seedLambda, setAlarm } from './seed.js'

/** What the scenarios need from an AWS backend: seed a function and alias, drive alarms, read the alias. */
export interface Backend {
  readonly name: string
  readonly url: string
  /** A function with versions 1..3 and alias `live` on `aliasVersion` (optionally weighted). */
  seed(functionName: string, aliasVersion: string, weights?: Record<string, number>): Promise<void>
  /** Creates the alarm if needed and sets its state. */
  alarm(name: string, state: StateValue, reason?: string): Promise<void>
  routing(functionName: string): Promise<{ version: string; weights: Record<string, number> }>
  stop(): Promise<void>
  /** The emulator, when this backend is the built-in one (for call logs and alias history). */
  readonly emulator: Emulator | undefined
}

export async function motoBackend(): Promise<Backend> {
  const moto = await startMoto()
  const created = new Set<string>()
  return {
    name: 'moto',
    url: moto.url,
    emulator: undefined,
    async seed(functionName, aliasVersion, weights) {
      await seedLambda(moto.url, { functionName, versions: 3, alias: 'live', aliasVersion, ...(weights ? { weights } : {}) })
    },
    async alarm(name, state, reason = `set to ${state} by the test`) {
      if (!created.has(name)) await putAlarm(moto.url, name)
      created.add(name)
      await setAlarm(moto.url, name, state, reason)
    },
    routing: (functionName) => readRouting(moto.url, functionName),
    stop: () => moto.stop(),
  }
}

export async function emulatorBackend(): Promise<Backend> {
  const emulator = await startEmulator()
  return {
    name: 'emulator',
    url: emulator.url,
    emulator,
    async seed(functionName, aliasVersion, weights) {
      emulator.seedFunction(functionName, { versions: 3 })
      emulator.seedAlias(functionName, 'live', aliasVersion, weights ?? {})
    },
    async alarm(name, state, reason = `set to ${state} by the test`) {
      if (!emulator.state.cloudwatch.alarms.has(name)) emulator.seedAlarm(name, state, { reason })
      else emulator.setAlarmState(name, state, reason)
    },
    routing: (functionName) => readRouting(emulator.url, functionName),
    stop: () => emulator.close(),
  }
}

async function readRouting(url: string, functionName: string) {
  const alias = await getAlias(url, functionName, 'live')
  return { version: alias.FunctionVersion ?? '', weights: alias.RoutingConfig?.AdditionalVersionWeights ?? {} }
}

/** Polls until `predicate` holds (or throws after `timeoutMs`). */
export async function waitFor(predicate: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await predicate()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('condition not met in time')
}
