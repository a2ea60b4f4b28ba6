// A fake of @actions/core for the edge's tests (src/action/), as in GitHub's typescript-action template:
// each function the edge calls, as a typed mock. `summary` records what was appended.
import type * as core from '@actions/core'
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

/** The job summary: `written` is what reached the file; make `write` reject for a runner without one. */
export const summary = {
  buffer: '',
  written: [] as string[],
  addRaw: vi.fn((text: string) => {
    summary.buffer += text
    return summary
  }),
  write: vi.fn(async () => {
    summary.written.push(summary.buffer)
    summary.buffer = ''
    return summary
  }),
  emptyBuffer: vi.fn(() => {
    summary.buffer = ''
    return summary
  }),
}

export function resetCore(): void {
  for (const fn of [getState, saveState, setOutput, setFailed, setSecret, info, warning, error, notice, startGroup, endGroup]) fn.mockReset()
  getInput.mockReset().mockReturnValue('')
  getState.mockReturnValue('')
  summary.buffer = ''
  summary.written = []
  summary.write.mockClear()
}
