import { describe, expect, it } from 'vitest'
import { ContractRecorder } from '../../__fixtures__/api-model.js'
import { recordExchanges } from '../../emulator/server.js'
import { emulatorBackend } from './backends.js'
import { aliasScenarios } from './scenarios.js'

// Contract: every response the emulator sends to the bundled action matches the service's published API model.
const contract = new ContractRecorder()
recordExchanges(contract.record)

describe('end to end against the built-in emulator', () => aliasScenarios(emulatorBackend))

describe('contract with the published API models', () => {
  it("every response the action received validates against botocore's service model", () => {
    recordExchanges(undefined)
    expect(contract.exchanges.length).toBeGreaterThan(0)
    console.log(`[contract] ${contract.exchanges.length} responses, ${contract.operations().length} operations: ${contract.operations().join(', ')}`)
    expect(contract.problems()).toEqual([])
  })
})
