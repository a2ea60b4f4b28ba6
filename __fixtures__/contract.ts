// The contract check a test file ends with: every response any emulator in this process sends from
// here on is recorded, and a last test validates them all against botocore's published models.
import { describe, expect, it } from 'vitest'
import { recordExchanges } from '../emulator/server.js'
import { ContractRecorder } from './api-model.js'

/** Call at the top level of a test file, after its other tests; `operations`: the exact set expected, if given. */
export function contractCheck(operations?: readonly string[]): void {
  const contract = new ContractRecorder()
  recordExchanges(contract.record)
  describe('contract with the published API models', () => {
    it("every response validates against botocore's service model", () => {
      recordExchanges(undefined)
      expect(contract.exchanges.length).toBeGreaterThan(0)
      console.log(`[contract] ${contract.exchanges.length} responses, ${contract.operations().length} operations: ${contract.operations().join(', ')}`)
      if (operations) expect(contract.operations()).toEqual(operations)
      expect(contract.problems()).toEqual([])
    })
  })
}
