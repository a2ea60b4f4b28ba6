import { describe, expect, it } from 'vitest'
import { ContractRecorder } from '../../__fixtures__/api-model.js'
import { recordExchanges } from '../../emulator/server.js'
import { emulatorAlbBackend } from './alb-backends.js'
import { albScenarios } from './alb-scenarios.js'

// Contract: every response the emulator sends during these runs matches botocore's published models.
const contract = new ContractRecorder()
recordExchanges(contract.record)

describe('ALB mode end to end against the built-in emulator', () => albScenarios(emulatorAlbBackend))

describe('contract with the published API models', () => {
  it("every response validates against botocore's service model", () => {
    recordExchanges(undefined)
    expect(contract.exchanges.length).toBeGreaterThan(0)
    console.log(`[contract] ${contract.exchanges.length} responses, ${contract.operations().length} operations: ${contract.operations().join(', ')}`)
    expect(contract.problems()).toEqual([])
  })
})
