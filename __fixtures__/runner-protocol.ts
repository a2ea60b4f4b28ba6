// A fake of the runner's protocol (src/action/runner-protocol.ts) for the edge's tests: every function, as a typed mock.
import type * as core from '../src/action/runner-protocol.js'
import { vi } from 'vitest'

export const getInput = vi.fn<typeof core.getInput>(() => '')
export const getState = vi.fn<typeof core.getState>(() => '')
export const saveState = vi.fn<typeof core.saveState>()
export const setOutput = vi.fn<typeof core.setOutput>()
export const setFailed = vi.fn<typeof core.setFailed>()
export const setSecret = vi.fn<typeof core.setSecret>()
export const info = vi.fn<typeof core.info>()
export const warning = vi.fn<typeof core.warning>()
export const error = vi.fn<typeof core.error>()
export const notice = vi.fn<typeof core.notice>()
export const startGroup = vi.fn<typeof core.startGroup>()
export const endGroup = vi.fn<typeof core.endGroup>()

/** Resolves unless a test makes it reject (no GITHUB_STEP_SUMMARY). */
export const appendSummary = vi.fn<typeof core.appendSummary>(async () => undefined)

export function resetCore(): void {
  for (const fn of [getState, saveState, setOutput, setFailed, setSecret, info, warning, error, notice, startGroup, endGroup]) fn.mockReset()
  getInput.mockReset().mockReturnValue('')
  getState.mockReturnValue('')
  appendSummary.mockReset().mockResolvedValue(undefined)
}
