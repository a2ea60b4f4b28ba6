import { beforeEach, describe, expect, it, vi } from 'vitest'

const core = vi.hoisted(() => ({ error: vi.fn<(m: string) => void>(), warning: vi.fn<(m: string) => void>(), info: vi.fn<(m: string) => void>() }))
vi.mock('../../src/action/runner-protocol.js', () => core)

describe('annotations', () => {
  beforeEach(() => {
    vi.resetModules()
    core.error.mockReset()
    core.warning.mockReset()
    core.info.mockReset()
  })

  it("stay within GitHub's 10 per step, keeping one error for the final failure, and lose nothing", async () => {
    const { annotateError, annotateWarning } = await import('../../src/action/annotations.js')
    for (let i = 0; i < 15; i++) annotateError(`alarm ${i}`)
    for (let i = 0; i < 12; i++) annotateWarning(`slow ${i}`)
    expect(core.error).toHaveBeenCalledTimes(9)
    expect(core.warning).toHaveBeenCalledTimes(10)
    expect(core.info.mock.calls.map(([m]) => m)).toEqual([
      ...Array.from({ length: 6 }, (_, i) => `Error: alarm ${i + 9}`),
      'Warning: slow 10',
      'Warning: slow 11',
    ])
  })
})
