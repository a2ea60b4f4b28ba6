/**
 * Issue 19 end to end: the bundled action (dist/, run as the runner runs it) against the built-in
 * emulator's Amazon ECS, whose ECS deployment controller shifts the built-in ALB's listener rules.
 * 250 ms per ECS minute: a `10%:20m` canary lasts 5 s.
 */
import { DescribeServiceDeploymentsCommand, DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Emulator, startEmulator } from '../../emulator/server.js'
import { type ActionRun, describeRun, type RunOptions, runAction, runPost } from './runner.js'

const SCALE = 250
let emu: Emulator
let ecs: ECSClient
let n = 0
const unique = (label: string): string => `${label}${++n}`

beforeAll(async () => {
  emu = await startEmulator({ ecs: { timeScale: SCALE, scaleUpMinutes: 2, cleanUpMinutes: 1, rollbackMinutes: 2 } })
  ecs = new ECSClient({ endpoint: emu.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }, maxAttempts: 1 })
})
afterAll(async () => {
  ecs.destroy()
  await emu.close()
})

interface Setup {
  readonly name: string
  readonly cluster: string
  readonly alarm: string
  readonly td: string[]
  readonly listenerArn: string
}

function setup(spec: Parameters<Emulator['ecs']['seed']>[0] = {}): Setup {
  const name = unique('web')
  const cluster = unique('prod')
  const seeded = emu.ecs.seed({ service: name, cluster, revisions: 3, ...spec })
  const alarm = `${name}-5xx`
  emu.seedAlarm(alarm, 'OK')
  emu.elbv2.startTraffic({ listenerArn: seeded.listenerArn, rps: 200, users: { share: 0.1, headers: { 'x-canary': 'true' } } })
  return { name, cluster, alarm, td: seeded.taskDefinitions, listenerArn: seeded.listenerArn }
}

function run(s: Setup, inputs: Record<string, string>, extra: Partial<RunOptions> = {}): Promise<ActionRun> {
  return runAction({
    inputs: { service: s.name, cluster: s.cluster, 'task-definition': s.td[1] ?? '', alarms: s.alarm, 'poll-interval': '1s', 'metrics-delay': '0s', ...inputs },
    timeoutMs: 60_000,
    ...extra,
    env: { AWS_ENDPOINT_URL: emu.url, ...(extra.env ?? {}) },
  })
}

/** The service's deployments after the seed's own first one. */
const deploymentsOf = (s: Setup) => emu.ecs.deployments().filter((d) => d.serviceArn.endsWith(`/${s.cluster}/${s.name}`) && d.targetTaskDefinition !== s.td[0])

/** The PAUSE hooks left in the service's own deployment settings (what the next deployment would wait at). */
async function pauseHooksOf(s: Setup): Promise<number> {
  const out = await ecs.send(new DescribeServicesCommand({ cluster: s.cluster, services: [s.name] }))
  return (out.services?.[0]?.deploymentConfiguration?.lifecycleHooks ?? []).filter((h) => h.targetType === 'PAUSE').length
}

async function finish<T>(s: Setup, body: () => Promise<T>): Promise<T> {
  try {
    return await body()
  } finally {
    emu.elbv2.stopTraffic(s.listenerArn)
  }
}

describe('issue 19: ECS mode end to end', () => {
  it('canary: maps 10%:20m, 100% onto CANARY, watches it and promotes', async () => {
    const s = setup()
    const r = await finish(s, () => run(s, { stages: '10%:20m, 100%' }))
    expect(r.outputs.result, describeRun(r)).toBe('promoted')
    expect(r.outputs['target-version']).toBe(`${s.name}:2`)
    expect(r.outputs['stable-version']).toBe(`${s.name}:1`)
    expect(r.outputs['deployment-id']).toMatch(/:service-deployment\//)
    const [d] = deploymentsOf(s)
    expect(d).toMatchObject({ status: 'SUCCESSFUL', strategy: 'CANARY' })
    expect(r.stdout).toContain('10% on the new version')
    expect(r.stdout).toMatch(/API calls per poll: \d+/)
  }, 90_000)

  it('linear: equal steps map onto LINEAR and promote', async () => {
    const s = setup()
    const r = await finish(s, () => run(s, { stages: '25%:4m, 50%:4m, 75%:4m, 100%' }))
    expect(r.outputs.result, describeRun(r)).toBe('promoted')
    expect(deploymentsOf(s)[0]).toMatchObject({ status: 'SUCCESSFUL', strategy: 'LINEAR' })
    for (const w of [25, 50, 75]) expect(r.stdout).toContain(`${w}% on the new version`)
  }, 90_000)

  it.each([
    ['10%:30s, 100%', 'whole minutes'],
    ['10%:2m, 30%:2m, 100%', 'next equal step'],
    ['2%:1m, 4%:1m, 100%', 'minimum step'],
  ])(
    'refuses %s before any write, showing the forms ECS can run',
    async (stages, why) => {
      const s = setup()
      const r = await finish(s, () => run(s, { stages }))
      expect(r.outputs.result).toBe('refused')
      expect(r.failed).toBe(true)
      expect(r.errors.join('\n')).toContain(why)
      expect(r.errors.join('\n')).toContain('P%:Nm, 100%')
      expect(deploymentsOf(s)).toHaveLength(0)
    },
    60_000,
  )

  it('an alarm during the canary rolls back: StopServiceDeployment ROLLBACK followed to ROLLBACK_SUCCESSFUL', async () => {
    const s = setup()
    // The alarm fires once ECS has shifted the canary's 10%.
    const timer = setInterval(() => {
      if ((deploymentsOf(s)[0]?.productionPercent ?? 0) > 0) emu.setAlarmState(s.alarm, 'ALARM', 'Threshold Crossed: 5XX')
    }, 50)
    const r = await finish(s, () => run(s, { stages: '10%:60m, 100%', analysis: 'none' })).finally(() => clearInterval(timer))
    expect(r.outputs.result, describeRun(r)).toBe('rolled-back')
    expect(r.outputs.alarm).toBe(s.alarm)
    expect(r.failed).toBe(true)
    expect(deploymentsOf(s)[0]?.status).toBe('ROLLBACK_SUCCESSFUL')
    expect(await pauseHooksOf(s)).toBe(0)
  }, 90_000)

  it('a crashing revision behind green alarms is rolled back by the per-target-group analysis', async () => {
    const s = setup()
    emu.ecs.crash(s.td[1] ?? '', 0.3)
    const r = await finish(s, () => run(s, { stages: '10%:60m, 100%' }))
    expect(r.outputs.result, describeRun(r)).toBe('rolled-back')
    expect(r.outputs.alarm).toBe('')
    expect(r.outputs.reason).toMatch(/version \S+-green failed \d+ of \d+ requests/)
    expect(deploymentsOf(s)[0]?.status).toBe('ROLLBACK_SUCCESSFUL')
    const latency = /StopServiceDeployment went out (\d+) ms/.exec(r.stdout)?.[1]
    expect(latency).toBeDefined()
  }, 90_000)

  it('a cancel rolls back', async () => {
    const s = setup()
    const r = await finish(s, () =>
      run(s, { stages: '10%:60m, 100%', analysis: 'none' }, { signalAfter: { when: (out) => out.includes('10% on the new version'), signal: 'SIGINT' } }),
    )
    expect(r.outputs.result, describeRun(r)).toBe('rolled-back')
    expect(deploymentsOf(s)[0]?.status).toBe('ROLLBACK_SUCCESSFUL')
    expect(await pauseHooksOf(s)).toBe(0)
  }, 90_000)

  it('the post step stops with rollback a deployment main was killed in the middle of', async () => {
    const s = setup()
    const main = await finish(s, async () => {
      const killed = await run(
        s,
        { stages: '10%:60m, 100%', analysis: 'none' },
        { signalAfter: { when: (out) => out.includes('10% on the new version'), signal: 'SIGKILL' } },
      )
      return killed
    })
    expect(deploymentsOf(s)[0]?.status).toBe('IN_PROGRESS')
    const post = await runPost(main)
    expect(post.failed, describeRun(post)).toBe(false)
    expect(post.stdout).toContain('stopping it with rollback')
    expect(deploymentsOf(s)[0]?.status).toBe('ROLLBACK_SUCCESSFUL')
    expect(await pauseHooksOf(s)).toBe(0)
  }, 90_000)

  it('another deployment under way is not taken over: refused, naming its revision', async () => {
    const s = setup()
    await ecs.send(
      new UpdateServiceCommand({
        cluster: s.cluster,
        service: s.name,
        taskDefinition: s.td[2],
        deploymentConfiguration: { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1000 }, bakeTimeInMinutes: 0 },
      }),
    )
    const r = await finish(s, () => run(s, { stages: '10%:20m, 100%' }))
    expect(r.outputs.result).toBe('refused')
    expect(r.errors.join('\n')).toContain(`${s.name}:3`)
    const [other] = deploymentsOf(s)
    expect(deploymentsOf(s)).toHaveLength(1)
    const arn = other?.serviceDeploymentArn ?? ''
    const live = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))
    expect(live.serviceDeployments?.[0]?.status).toBe('IN_PROGRESS')
  }, 60_000)

  it('the users stage is test traffic only: production stays on the old revision until the hook is continued', async () => {
    const s = setup()
    let productionDuringTest = 0
    let testSeen = 0
    const timer = setInterval(() => {
      for (const d of deploymentsOf(s)) {
        if (d.hooks.some((h) => h.status === 'AWAITING_ACTION')) {
          productionDuringTest = Math.max(productionDuringTest, d.productionPercent)
          testSeen = Math.max(testSeen, d.testPercent)
        }
      }
    }, 50)
    // The hook's timeout is in ECS minutes (the bake's plus 15): one ECS minute is a real second here, so it outlasts the 3 s bake.
    emu.ecs.configure({ timeScale: 1000 })
    const r = await finish(s, () => run(s, { stages: 'users:3s, 10%:2m, 100%' })).finally(() => {
      clearInterval(timer)
      emu.ecs.configure({ timeScale: SCALE })
    })
    expect(r.outputs.result, describeRun(r)).toBe('promoted')
    expect(testSeen).toBe(100)
    expect(productionDuringTest).toBe(0)
    expect(r.stdout).toContain('Test traffic passed its bake')
    // The hook it added for the users stage is off the service again: the next deployment would not wait at it.
    expect(await pauseHooksOf(s)).toBe(0)
  }, 90_000)

  it('plan writes nothing and prints the ECS strategy', async () => {
    const s = setup()
    const before = Date.now()
    const r = await finish(s, () => run(s, { mode: 'plan', stages: 'users:5m, 10%:5m, 100%:10m' }))
    expect(r.outputs.result, describeRun(r)).toBe('planned')
    expect(r.stdout).toContain('CANARY (canaryPercent 10, canaryBakeTimeInMinutes 5')
    expect(r.stdout).toMatch(/may ecs:UpdateService, ecs:StopServiceDeployment, ecs:ContinueServiceDeployment, iam:PassRole/)
    expect(deploymentsOf(s)).toHaveLength(0)
    expect(emu.calls().filter((c) => c.service === 'ecs' && /^(Update|Stop|Continue)/.test(c.operation) && c.at >= before)).toEqual([])
  }, 60_000)

  it('plan simulates iam:PassRole towards ECS tasks: a role that may pass the task roles only to another service is a problem', async () => {
    const s = setup()
    const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`
    emu.setPolicy({
      Statement: [
        { Effect: 'Allow', Action: ['ecs:*', 'cloudwatch:*', 'sts:GetCallerIdentity', 'iam:SimulatePrincipalPolicy', 'iam:GetRole'], Resource: '*' },
        {
          Effect: 'Allow',
          Action: ['iam:PassRole'],
          Resource: [role(`${s.name}-task`), role('ecsTaskExecutionRole')],
          Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
        },
      ],
    })
    try {
      const r = await finish(s, () => run(s, { mode: 'plan', stages: '10%:5m, 100%' }))
      expect(r.outputs.result, describeRun(r)).toBe('refused')
      expect(r.errors.join('\n')).toContain(`iam:PassRole on ${role(`${s.name}-task`)}`)
      expect(deploymentsOf(s)).toHaveLength(0)
    } finally {
      emu.setPolicy(null)
    }
  }, 60_000)

  it('manual gates: the canary job holds at the test-traffic hook, the promote job continues and promotes', async () => {
    const s = setup({
      deploymentConfiguration: { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 8 }, bakeTimeInMinutes: 0 },
    })
    const canary = await run(s, { stages: 'users:3s' })
    expect(canary.outputs.result, describeRun(canary)).toBe('held')
    expect(canary.failed).toBe(false)
    const post = await runPost(canary, { env: { AWS_ENDPOINT_URL: emu.url } })
    expect(post.stdout).toContain('Nothing to clean up')
    expect(deploymentsOf(s)[0]?.hooks.some((h) => h.status === 'AWAITING_ACTION')).toBe(true)
    expect(await pauseHooksOf(s)).toBe(1)
    const promote = await finish(s, () => run(s, { stages: '10%:8m, 100%' }))
    expect(promote.outputs.result, describeRun(promote)).toBe('promoted')
    expect(await pauseHooksOf(s)).toBe(0)
    expect(promote.outputs['deployment-id']).toBe(canary.outputs['deployment-id'])
    expect(deploymentsOf(s)).toHaveLength(1)
  }, 120_000)

  it('manual gates: the rollback job rolls a held deployment back', async () => {
    const s = setup({
      deploymentConfiguration: { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 8 }, bakeTimeInMinutes: 0 },
    })
    const canary = await run(s, { stages: 'users:2s' })
    expect(canary.outputs.result, describeRun(canary)).toBe('held')
    const back = await finish(s, () => run(s, { mode: 'rollback' }))
    expect(back.outputs.result, describeRun(back)).toBe('rolled-back')
    expect(deploymentsOf(s)[0]?.status).toBe('ROLLBACK_SUCCESSFUL')
    expect(await pauseHooksOf(s)).toBe(0)
  }, 90_000)
})
