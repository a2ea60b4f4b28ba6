import { describe, expect, it } from 'vitest'
import { reading, ScriptedGate } from '../../__fixtures__/gate.js'
import { withCanaryHealth } from '../../src/alb/health-gate.js'

const SICK = 'target group "green" has no healthy target (10.0.1.10 unhealthy)'

describe('withCanaryHealth: the canary group health as part of the gate', () => {
  it('issue 18: a serving canary group with no healthy target fails a green gate, naming the group', async () => {
    const gate = withCanaryHealth(new ScriptedGate(), async () => SICK)
    const read = await gate.check()
    expect(read.status).toBe('fail')
    expect(read.reason).toBe(SICK)
    expect(read.firing).toEqual([])
  })

  it('passes the alarms and analysis through while the group is fit, and keeps their names and history', async () => {
    const alarms = new ScriptedGate((n) => reading(n === 0 ? 'pass' : 'fail'))
    const gate = withCanaryHealth(alarms, async () => undefined)
    expect(gate.names).toEqual(['errors-high'])
    expect((await gate.check()).status).toBe('pass')
    expect((await gate.check()).status).toBe('fail')
    await gate.firedSince(5)
    expect(alarms.historyQueries).toEqual([5])
  })

  it('adds the health reason to an analysis failure, and an unreadable health read makes a green read inconclusive', async () => {
    const failing = withCanaryHealth(new ScriptedGate(() => reading('fail', { firing: [], reason: 'canary error rate 30%' })), async () => SICK)
    expect((await failing.check()).reason).toBe(`canary error rate 30%; ${SICK}`)
    const unreadable = withCanaryHealth(new ScriptedGate(), async () => {
      throw new Error('Rate exceeded')
    })
    const read = await unreadable.check()
    expect(read.status).toBe('inconclusive')
    expect(read.error).toBe("could not read the canary target group's health: Rate exceeded")
  })
})
