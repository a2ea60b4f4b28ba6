import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readAlbInputs, parseCanaryUsers, parseListener, parseStickiness } from '../../src/alb/inputs.js'
import { representable, shareOf, weightsFor } from '../../src/alb/weights.js'
import { InputError } from '../../src/core/errors.js'
import { readConfig } from '../../src/core/inputs.js'

const LISTENER = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2'
const RULE = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee'
const DEFAULTS: Record<string, string> = { alias: 'live', alarms: '', 'poll-interval': '10s', 'insufficient-data': 'alarm', mode: 'deploy' }

function albFrom(inputs: Record<string, string>) {
  const all: Record<string, string> = { ...DEFAULTS, listener: LISTENER, 'target-group': 'green', ...inputs }
  const read = (name: string) => all[name] ?? ''
  const config = readConfig(read, { AWS_REGION: 'eu-west-1' })
  return { config, alb: readAlbInputs(config, read, { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '7' }) }
}

function inputError(inputs: Record<string, string>): InputError {
  try {
    albFrom(inputs)
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('no InputError')
}

describe('ALB inputs', () => {
  it('selects ALB mode from listener, with no function or version needed', () => {
    const { config, alb } = albFrom({
      stages: 'users:30m, 10%:5m, 50%:10m, 100%',
      'canary-users': 'header x-canary=internal\nsource-ip 10.0.0.0/8',
      stickiness: '1h',
    })
    expect(config.alb).toBe(true)
    expect(config.targets).toEqual([])
    expect(config.stages[0]).toEqual({ weight: 0, bakeMs: 1_800_000, users: true })
    expect(alb).toMatchObject({
      listener: { kind: 'listener', listenerArn: LISTENER, loadBalancer: 'app/web/50dc6c495c0c9188', region: 'eu-west-1' },
      targetGroup: 'green',
      stickinessSeconds: 3600,
      users: [
        { kind: 'header', name: 'x-canary', value: 'internal' },
        { kind: 'source-ip', cidr: '10.0.0.0/8' },
      ],
      runUrl: 'https://github.com/o/r/actions/runs/7',
    })
  })

  it('derives the listener of a rule ARN', () => {
    expect(parseListener(RULE)).toMatchObject({ kind: 'rule', arn: RULE, listenerArn: LISTENER, loadBalancer: 'app/web/50dc6c495c0c9188' })
  })

  it.each([
    [{ stages: 'users:30m, 10%:5m, 100%' }, 'canary-users', 'is required for a users: stage'],
    [{ 'target-group': '' }, 'target-group', 'is required with listener'],
    [{ 'target-group': '-green' }, 'target-group', '"-green" is not a target group name'],
    [
      { listener: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/net/nlb/50dc6c495c0c9188/f2f7dc8efc522ab2' },
      'listener',
      'Network or Gateway Load Balancer',
    ],
    [{ listener: 'my-listener' }, 'listener', '"my-listener" is not an Application Load Balancer listener ARN'],
    [{ listener: LISTENER.replace('eu-west-1', 'us-east-1') }, 'listener', 'is in us-east-1, but the action runs in eu-west-1'],
    [{ stickiness: '8d' }, 'stickiness', '"8d" is not a duration from 1s to 7d'],
    [{ stickiness: '0s' }, 'stickiness', 'from 1s to 7d'],
    [{ 'canary-users': 'cookie beta=1' }, 'canary-users', '"cookie beta=1" is not "header NAME=VALUE"'],
    [{ 'canary-users': 'source-ip 10.0.0.300/8' }, 'canary-users', 'a source-ip condition is'],
    [{ 'canary-users': 'source-ip 10.0.0.0/8\nsource-ip 192.168.0.0/16' }, 'canary-users', 'at most one source-ip condition'],
    [{ 'canary-users': 'header a=1\nheader b=2\nheader c=3\nquery d=4\nquery e=5\nquery f=6' }, 'canary-users', 'at most 5 condition values'],
    [{ stages: '12.25%:1m, 100%' }, 'stages', 'shares go in steps of 0.1%'],
    [{ 'function-name': 'orders' }, 'function-name', 'does not apply with listener'],
    [{ 'codedeploy-application': 'app', 'codedeploy-deployment-group': 'g' }, 'listener', 'cannot be combined with codedeploy-application'],
  ])('rejects %j as %s', (inputs, input, message) => {
    const error = inputError(inputs)
    expect(error.input).toBe(input)
    expect(error.message).toContain(message)
  })

  it('reads stickiness in s, m, h and d, and none', () => {
    expect(parseStickiness('30s')).toBe(30)
    expect(parseStickiness('7d')).toBe(604_800)
    expect(parseStickiness('none')).toBeUndefined()
    expect(parseStickiness('')).toBeUndefined()
  })

  it('reads query conditions', () => {
    expect(parseCanaryUsers('query beta=yes')).toEqual([{ kind: 'query', key: 'beta', value: 'yes' }])
  })

  it('refuses a users stage outside ALB mode, quoting it', () => {
    expect(() =>
      readConfig((n) => ({ ...DEFAULTS, 'function-name': 'f', version: '2', stages: 'users:5m, 100%' })[n] ?? '', { AWS_REGION: 'eu-west-1' }),
    ).toThrow('Input stages: "users:5m": a users stage needs an Application Load Balancer')
  })
})

describe('ALB weights', () => {
  it('serves every 0.1% step exactly with weights within 0 to 999 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), (tenths) => {
        const percent = tenths / 10
        expect(representable(percent)).toBe(true)
        const pair = weightsFor(percent)
        for (const w of [pair.canary, pair.stable]) {
          expect(Number.isInteger(w)).toBe(true)
          expect(w).toBeGreaterThanOrEqual(0)
          expect(w).toBeLessThanOrEqual(999)
        }
        expect(shareOf(pair)).toBeCloseTo(percent, 9)
      }),
    )
  })

  it('reduces the pair and rejects finer steps', () => {
    expect(weightsFor(10)).toEqual({ canary: 1, stable: 9 })
    expect(weightsFor(0.1)).toEqual({ canary: 1, stable: 999 })
    expect(weightsFor(100)).toEqual({ canary: 1, stable: 0 })
    expect(representable(12.25)).toBe(false)
  })
})
