import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from '../../__fixtures__/core.js'

vi.mock('@actions/core', () => import('../../__fixtures__/core.js'))

describe('annotations', () => {
  beforeEach(() => core.resetCore())

  it("stay within GitHub's 10 per step, keeping one error for the final failure, and lose nothing", async () => {
    const { annotateError, annotateWarning } = await import('../../src/action/annotations.js')
    for (let i = 0; i < 15; i++) annotateError(`alarm ${i}`)
    for (let i = 0; i < 12; i++) annotateWarning(`slow ${i}`)
    // Calls made before the toolkit has loaded reach it, in order, once it has.
    await (await import('../../src/action/toolkit.js')).loadToolkit()
    expect(core.error).toHaveBeenCalledTimes(9)
    expect(core.warning).toHaveBeenCalledTimes(10)
    expect(core.info.mock.calls.map(([m]) => m)).toEqual([
      ...Array.from({ length: 6 }, (_, i) => `Error: alarm ${i + 9}`),
      'Warning: slow 10',
      'Warning: slow 11',
    ])
  })
})
