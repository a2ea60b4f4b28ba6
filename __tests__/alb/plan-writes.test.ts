import { describe, expect, it } from 'vitest'
import { albWrites } from '../../src/alb/plan.js'
import { parseListener } from '../../src/alb/inputs.js'

const LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2'
const RULE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee'
const base = { targetGroup: 'green', stickinessSeconds: undefined, runUrl: '' }

describe('albWrites: what plan mode simulates instead of writing', () => {
  it('a listener: ModifyListener and the hold tags on the listener', () => {
    expect(albWrites({ ...base, listener: parseListener(LISTENER), users: [] })).toEqual([
      { action: 'elasticloadbalancing:ModifyListener', resources: [LISTENER] },
      { action: 'elasticloadbalancing:AddTags', resources: [LISTENER] },
      { action: 'elasticloadbalancing:RemoveTags', resources: [LISTENER] },
    ])
  })

  it('a rule with canary users: ModifyRule on the rule, and creating and deleting its own rule on the listener', () => {
    const writes = albWrites({ ...base, listener: parseListener(RULE), users: [{ kind: 'query', key: 'beta', value: '1' }] as never })
    expect(writes.map((w) => w.action)).toEqual([
      'elasticloadbalancing:ModifyRule',
      'elasticloadbalancing:AddTags',
      'elasticloadbalancing:RemoveTags',
      'elasticloadbalancing:CreateRule',
      'elasticloadbalancing:AddTags',
      'elasticloadbalancing:DeleteRule',
    ])
    expect(writes[3]?.resources).toEqual([LISTENER])
    expect(writes[5]?.resources[0]).toMatch(/:listener-rule\/app\/web\/50dc6c495c0c9188\/f2f7dc8efc522ab2\/\w+$/)
  })

  it('issue 18: tags given to CreateRule are simulated as AddTags on the new rule, with the CreateAction condition key', () => {
    const writes = albWrites({ ...base, listener: parseListener(LISTENER), users: [{ kind: 'query', key: 'beta', value: '1' }] as never })
    const tagging = writes.find((w) => w.action === 'elasticloadbalancing:AddTags' && w.context)
    expect(tagging?.resources[0]).toMatch(/:listener-rule\/app\/web\/50dc6c495c0c9188\/f2f7dc8efc522ab2\/\w+$/)
    expect(tagging?.context).toEqual([{ key: 'elasticloadbalancing:CreateAction', values: ['CreateRule'] }])
  })
})
