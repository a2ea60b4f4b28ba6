// Alias mode sends its first read before the gates load (src/alias/deploy.ts); the engine must
// start from that read exactly as it would from its own.
import { describe, expect, it, vi } from 'vitest'
import { Rollout } from '../../src/core/engine.js'
import { RefusalError } from '../../src/core/errors.js'
import { parseStages } from '../../src/core/stages.js'
import { withFirstLook } from '../../src/core/traffic.js'
import { FakeClock } from '../../__fixtures__/clock.js'
import { ScriptedGate } from '../../__fixtures__/gate.js'
import { RecordingLog } from '../../__fixtures__/log.js'
import { FakeProvider } from '../../__fixtures__/provider.js'

function engineOver(provider: FakeProvider, firstLook: Promise<Awaited<ReturnType<FakeProvider['inspect']>>>) {
  const log = new RecordingLog()
  const engine = new Rollout({
    provider: withFirstLook(provider, firstLook),
    gate: new ScriptedGate(),
    clock: new FakeClock(),
    log,
    stages: parseStages('10%:30s, 100%'),
    pollMs: 10_000,
  })
  return { engine, log }
}

describe('the first look', () => {
  it('is the engine’s first inspection: the read already sent is not sent again, and the rollout promotes', async () => {
    const provider = new FakeProvider()
    const inspect = vi.spyOn(provider, 'inspect')
    const { engine } = engineOver(provider, provider.inspect())
    const outcome = await engine.run()
    expect(outcome.result).toBe('promoted')
    expect(inspect).toHaveBeenCalledTimes(1)
    expect(provider.writes.map((w) => w.kind)).toEqual(['shift', 'promote'])
  })

  it('a first read that failed while the rest loaded is a refusal naming it, with nothing written', async () => {
    const provider = new FakeProvider()
    const unhandled = vi.fn()
    process.on('unhandledRejection', unhandled)
    try {
      const failed = Promise.reject(new RefusalError('fn:live points at $LATEST, which cannot share traffic'))
      const { engine } = engineOver(provider, failed)
      // The rest of the code loads meanwhile: the rejection must not go unhandled in that time.
      await new Promise((resolve) => setTimeout(resolve, 10))
      const outcome = await engine.run()
      expect(outcome.result).toBe('refused')
      expect(outcome.reason).toContain('points at $LATEST')
      expect(provider.writes).toEqual([])
      expect(unhandled).not.toHaveBeenCalled()
    } finally {
      process.off('unhandledRejection', unhandled)
    }
  })
})
