import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Outcome } from '../../src/core/engine.js'
import { outcomeProgress, stageProgress, startProgress } from '../../src/report/github-progress.js'
import { createReporter, runUrl, truncateDescription, type GitHubStatusMode, type ReporterOptions } from '../../src/report/github-reporter.js'
import { FakeGitHub } from '../../__fixtures__/fake-github.js'

const TOKEN = 'ghs_FakeInstallationToken0123456789abcdef'
const SHA = '0123456789abcdef0123456789abcdef01234567'

let fake: FakeGitHub

class Messages {
  readonly info: string[] = []
  readonly warnings: string[] = []
  readonly log = {
    info: (m: string): void => void this.info.push(m),
    warning: (m: string): void => void this.warnings.push(m),
  }
  all(): string[] {
    return [...this.info, ...this.warnings]
  }
}

function actionsEnv(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    GITHUB_API_URL: fake.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/orders',
    GITHUB_SHA: SHA,
    GITHUB_RUN_ID: '9001',
    GITHUB_RUN_ATTEMPT: '1',
    ...overrides,
  }
}

function reporter(mode: GitHubStatusMode, messages: Messages, extra: Partial<ReporterOptions> = {}) {
  return createReporter({
    mode,
    token: TOKEN,
    environment: 'production',
    context: 'canary/orders-api:live',
    log: messages.log,
    env: actionsEnv(),
    ...extra,
  })
}

beforeAll(async () => {
  fake = await FakeGitHub.start({ token: TOKEN })
  // @actions/github also reads this once at first import; the reporter passes baseUrl explicitly regardless.
  process.env['GITHUB_API_URL'] = fake.url
})

afterEach(() => {
  fake.requests.length = 0
  fake.deployments.length = 0
  fake.commitStatuses.length = 0
  fake.canned.length = 0
  fake.dropConnections = false
  fake.hang = false
})

afterAll(async () => {
  delete process.env['GITHUB_API_URL']
  await fake.close()
})

describe('runUrl', () => {
  it('links the run, and the attempt on a re-run', () => {
    const env = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/orders', GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '1' }
    expect(runUrl(env)).toBe('https://github.com/acme/orders/actions/runs/42')
    expect(runUrl({ ...env, GITHUB_RUN_ATTEMPT: '3' })).toBe('https://github.com/acme/orders/actions/runs/42/attempts/3')
    expect(runUrl({ ...env, GITHUB_RUN_ATTEMPT: undefined })).toBe('https://github.com/acme/orders/actions/runs/42')
  })

  it('honours a GitHub Enterprise server URL, with or without a trailing slash', () => {
    expect(runUrl({ GITHUB_SERVER_URL: 'https://ghe.example.com/', GITHUB_REPOSITORY: 'a/b', GITHUB_RUN_ID: '7', GITHUB_RUN_ATTEMPT: '2' })).toBe(
      'https://ghe.example.com/a/b/actions/runs/7/attempts/2',
    )
  })

  it("is '' outside Actions", () => {
    expect(runUrl({})).toBe('')
    expect(runUrl({ GITHUB_REPOSITORY: 'a/b' })).toBe('')
    expect(runUrl({ GITHUB_RUN_ID: '7' })).toBe('')
  })
})

describe('truncateDescription', () => {
  it('keeps short text and cuts long text to 140 characters with an ellipsis', () => {
    expect(truncateDescription('stage 1/3: 10% on version 7')).toBe('stage 1/3: 10% on version 7')
    const cut = truncateDescription('x'.repeat(300))
    expect(Array.from(cut)).toHaveLength(140)
    expect(cut.endsWith('…')).toBe(true)
    expect(truncateDescription('y'.repeat(140))).toBe('y'.repeat(140))
  })

  it('never splits a surrogate pair and folds newlines', () => {
    const cut = truncateDescription('🚀'.repeat(200))
    expect(Array.from(cut)).toHaveLength(140)
    expect(cut).toBe(`${'🚀'.repeat(139)}…`)
    expect(truncateDescription('rolled back:\n  alarm x')).toBe('rolled back: alarm x')
  })
})

describe('commit mode', () => {
  it('posts one status per report, mapping in_progress to pending, with the context and run link', async () => {
    const messages = new Messages()
    const r = await reporter('commit', messages)
    expect(r.runUrl).toBe('https://github.com/acme/orders/actions/runs/9001')
    await r.report({ state: 'pending', description: 'canary of version 7 starting' })
    await r.report({ state: 'in_progress', description: 'stage 1/3: 10% on version 7' })
    await r.report({ state: 'success', description: 'promoted version 7 to 100%' })

    expect(messages.warnings).toEqual([])
    expect(fake.requests.map((q) => `${q.method} ${q.path}`)).toEqual(Array(3).fill(`POST /repos/acme/orders/statuses/${SHA}`))
    expect(fake.requests.every((q) => q.auth.scheme === 'token' && q.auth.matches)).toBe(true)
    expect(fake.requests[0]?.headers['authorization']).toBeUndefined()
    expect(fake.requests[0]?.headers['accept']).toContain('application/vnd.github')
    expect(fake.commitStatuses).toEqual([
      { sha: SHA, state: 'pending', context: 'canary/orders-api:live', description: 'canary of version 7 starting', target_url: r.runUrl },
      { sha: SHA, state: 'pending', context: 'canary/orders-api:live', description: 'stage 1/3: 10% on version 7', target_url: r.runUrl },
      { sha: SHA, state: 'success', context: 'canary/orders-api:live', description: 'promoted version 7 to 100%', target_url: r.runUrl },
    ])
  })

  it('truncates long descriptions to what GitHub accepts', async () => {
    const messages = new Messages()
    const r = await reporter('commit', messages)
    const reason = `rolled back: alarm orders-errors: ${'Threshold Crossed: 1 out of the last 1 datapoints was greater than the threshold. '.repeat(4)}`
    await r.report({ state: 'failure', description: reason })
    expect(messages.warnings).toEqual([])
    const sent = fake.commitStatuses[0]?.description ?? ''
    expect(Array.from(sent)).toHaveLength(140)
    expect(sent.startsWith('rolled back: alarm orders-errors: Threshold Crossed')).toBe(true)
    expect(sent.endsWith('…')).toBe(true)
    expect(fake.commitStatuses[0]?.state).toBe('failure')
  })

  it('omits target_url outside a run', async () => {
    const messages = new Messages()
    const r = await reporter('commit', messages, { env: actionsEnv({ GITHUB_RUN_ID: undefined }) })
    expect(r.runUrl).toBe('')
    await r.report({ state: 'success', description: 'ok' })
    expect(fake.requests[0]?.body).not.toHaveProperty('target_url')
    expect(fake.commitStatuses[0]?.state).toBe('success')
  })
})

describe('deployment mode', () => {
  it('creates one deployment on the first report and adds statuses to it', async () => {
    const messages = new Messages()
    const r = await reporter('deployment', messages, { env: actionsEnv({ GITHUB_RUN_ATTEMPT: '2' }) })
    await r.report({ state: 'pending', description: 'canary of version 7 starting' })
    await r.report({ state: 'in_progress', description: 'stage 2/3: 50% on version 7' })
    await r.report({ state: 'failure', description: 'rolled back: alarm orders-errors' })

    expect(messages.warnings).toEqual([])
    const [deployment] = fake.deployments
    expect(fake.deployments).toHaveLength(1)
    expect(fake.requests.map((q) => `${q.method} ${q.path}`)).toEqual([
      'POST /repos/acme/orders/deployments',
      ...Array(3).fill(`POST /repos/acme/orders/deployments/${deployment?.id}/statuses`),
    ])
    expect(fake.requests[0]?.body).toEqual({
      ref: SHA,
      environment: 'production',
      auto_merge: false,
      required_contexts: [],
      description: 'canary of version 7 starting',
    })
    const logUrl = 'https://github.com/acme/orders/actions/runs/9001/attempts/2'
    expect(deployment?.statuses).toEqual([
      { state: 'pending', description: 'canary of version 7 starting', log_url: logUrl, environment: 'production' },
      { state: 'in_progress', description: 'stage 2/3: 50% on version 7', log_url: logUrl, environment: 'production' },
      { state: 'failure', description: 'rolled back: alarm orders-errors', log_url: logUrl, environment: 'production' },
    ])
    expect(messages.info.some((m) => m.includes(`deployment ${deployment?.id}`))).toBe(true)
  })

  it('creates the deployment once even when reports overlap, and keeps their order', async () => {
    const messages = new Messages()
    const r = await reporter('deployment', messages, { environment: 'staging', productionEnvironment: false })
    await Promise.all([
      r.report({ state: 'pending', description: 'a' }),
      r.report({ state: 'in_progress', description: 'b' }),
      r.report({ state: 'success', description: 'c' }),
    ])
    expect(fake.deployments).toHaveLength(1)
    expect(fake.requests[0]?.body).toMatchObject({ environment: 'staging', production_environment: false })
    expect(fake.deployments[0]?.statuses.map((s) => `${s.state}:${s.description}`)).toEqual(['pending:a', 'in_progress:b', 'success:c'])
  })

  it('retries creating the deployment after a transient failure', async () => {
    const messages = new Messages()
    fake.failWith(502, 'Server Error', { times: 1 })
    const r = await reporter('deployment', messages)
    await r.report({ state: 'pending', description: 'a' })
    await r.report({ state: 'in_progress', description: 'b' })
    expect(messages.warnings).toHaveLength(1)
    expect(messages.warnings[0]).toContain('HTTP 502')
    expect(fake.deployments).toHaveLength(1)
    expect(fake.deployments[0]?.statuses.map((s) => s.description)).toEqual(['b'])
  })
})

describe('GITHUB_API_URL', () => {
  it('is read from the env passed in at call time, not only at import', async () => {
    const other = await FakeGitHub.start({ token: TOKEN })
    try {
      const messages = new Messages()
      const r = await reporter('commit', messages, { env: actionsEnv({ GITHUB_API_URL: `${other.url}/` }) })
      await r.report({ state: 'success', description: 'ok' })
      expect(messages.warnings).toEqual([])
      expect(other.commitStatuses).toHaveLength(1)
      expect(fake.requests).toEqual([])
    } finally {
      await other.close()
    }
  })
})

describe('failures are warnings, never errors', () => {
  it.each([
    ['commit', 'statuses: write'],
    ['deployment', 'deployments: write'],
  ] as const)('%s mode: a 403 warns once, naming %s, and stops calling', async (mode, permission) => {
    const messages = new Messages()
    fake.forbid()
    const r = await reporter(mode, messages)
    await expect(r.report({ state: 'pending', description: 'a' })).resolves.toBeUndefined()
    await r.report({ state: 'in_progress', description: 'b' })
    await r.report({ state: 'failure', description: 'c' })
    expect(fake.requests).toHaveLength(1)
    expect(messages.warnings).toHaveLength(1)
    expect(messages.warnings[0]).toContain(`permissions: ${permission}`)
    expect(messages.warnings[0]).toContain('HTTP 403: Resource not accessible by integration')
  })

  it('a 403 on the deployment status (after the deployment was created) also stops', async () => {
    const messages = new Messages()
    fake.forbid({ match: /\/statuses$/ })
    const r = await reporter('deployment', messages)
    await r.report({ state: 'pending', description: 'a' })
    await r.report({ state: 'success', description: 'b' })
    expect(fake.requests.map((q) => q.path)).toEqual(['/repos/acme/orders/deployments', expect.stringMatching(/statuses$/)])
    expect(messages.warnings).toHaveLength(1)
    expect(messages.warnings[0]).toContain('deployments: write')
  })

  it('a bad token (401) warns once and stops', async () => {
    const messages = new Messages()
    const r = await reporter('commit', messages, { token: 'ghs_wrongTokenValue999' })
    await r.report({ state: 'pending', description: 'a' })
    await r.report({ state: 'success', description: 'b' })
    expect(fake.requests).toHaveLength(1)
    expect(messages.warnings).toHaveLength(1)
    expect(messages.warnings[0]).toContain('HTTP 401: Bad credentials')
    expect(messages.warnings[0]).toContain('statuses: write')
    expect(messages.warnings[0]).not.toContain('ghs_wrongTokenValue999')
  })

  it('a 404 (repository the token cannot see) warns once and stops', async () => {
    const messages = new Messages()
    const r = await reporter('commit', messages, { env: actionsEnv({ GITHUB_REPOSITORY: 'acme/orders/extra' }) })
    // malformed repository: refused before any request
    await r.report({ state: 'pending', description: 'a' })
    expect(fake.requests).toHaveLength(0)
    expect(messages.warnings).toHaveLength(1)

    const again = new Messages()
    fake.failWith(404, 'Not Found')
    const r2 = await reporter('commit', again)
    await r2.report({ state: 'pending', description: 'a' })
    await r2.report({ state: 'pending', description: 'b' })
    expect(fake.requests).toHaveLength(1)
    expect(again.warnings).toHaveLength(1)
    expect(again.warnings[0]).toContain('HTTP 404')
  })

  it('server errors and dropped connections warn and the next report still goes out', async () => {
    const messages = new Messages()
    const r = await reporter('commit', messages)
    fake.failWith(500, 'Internal Server Error', { times: 1 })
    await r.report({ state: 'pending', description: 'a' })
    fake.dropConnections = true
    await expect(r.report({ state: 'pending', description: 'b' })).resolves.toBeUndefined()
    fake.dropConnections = false
    await r.report({ state: 'success', description: 'c' })
    expect(messages.warnings).toHaveLength(2)
    expect(messages.warnings[0]).toContain('HTTP 500')
    expect(fake.commitStatuses.map((s) => s.description)).toEqual(['c'])
  })

  it('gives up after three transient failures in a row', async () => {
    const messages = new Messages()
    fake.failWith(503, 'Service Unavailable')
    const r = await reporter('commit', messages)
    for (const d of ['a', 'b', 'c', 'd', 'e']) await r.report({ state: 'pending', description: d })
    expect(fake.requests).toHaveLength(3)
    expect(messages.warnings).toHaveLength(3)
    expect(messages.warnings[2]).toContain('off for the rest of this run')
  })

  it('a hung API times out instead of stalling the rollout', async () => {
    const messages = new Messages()
    fake.hang = true
    const r = await reporter('commit', messages, { timeoutMs: 200 })
    const started = Date.now()
    await r.report({ state: 'pending', description: 'a' })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(messages.warnings).toHaveLength(1)
    expect(messages.warnings[0]).toMatch(/Could not set the commit status/)
  })

  it('a log that throws does not break report()', async () => {
    fake.forbid()
    const r = await createReporter({
      mode: 'commit',
      token: TOKEN,
      environment: 'production',
      context: 'c',
      env: actionsEnv(),
      log: {
        info: () => {},
        warning: () => {
          throw new Error('log broke')
        },
      },
    })
    await expect(r.report({ state: 'pending', description: 'a' })).resolves.toBeUndefined()
  })
})

describe('no-op reporters', () => {
  it("'none' makes no request and logs nothing", async () => {
    const messages = new Messages()
    const r = await reporter('none', messages)
    await r.report({ state: 'pending', description: 'a' })
    await r.report({ state: 'success', description: 'b' })
    expect(fake.requests).toEqual([])
    expect(messages.all()).toEqual([])
    expect(r.runUrl).toBe('https://github.com/acme/orders/actions/runs/9001')
  })

  it("'none' never imports @actions/github", async () => {
    let imported = false
    vi.resetModules()
    vi.doMock('@actions/github', () => {
      imported = true
      return {}
    })
    try {
      const fresh = await import('../../src/report/github-reporter.js')
      const r = await fresh.createReporter({ mode: 'none', token: TOKEN, environment: 'e', context: 'c', log: new Messages().log, env: actionsEnv() })
      await r.report({ state: 'success', description: 'x' })
      expect(imported).toBe(false)
    } finally {
      vi.doUnmock('@actions/github')
      vi.resetModules()
    }
  })

  it.each(['commit', 'deployment'] as const)('%s mode with an empty token warns once and makes no request', async (mode) => {
    const messages = new Messages()
    const r = await reporter(mode, messages, { token: '' })
    await r.report({ state: 'pending', description: 'a' })
    await r.report({ state: 'success', description: 'b' })
    expect(fake.requests).toEqual([])
    expect(messages.warnings).toHaveLength(1)
    expect(messages.warnings[0]).toContain(mode === 'commit' ? 'statuses: write' : 'deployments: write')
  })

  it('warns once and makes no request outside Actions (no GITHUB_SHA)', async () => {
    const messages = new Messages()
    const r = await reporter('commit', messages, { env: actionsEnv({ GITHUB_SHA: undefined }) })
    await r.report({ state: 'pending', description: 'a' })
    expect(fake.requests).toEqual([])
    expect(messages.warnings).toHaveLength(1)
    expect(messages.warnings[0]).toContain('GITHUB_SHA')
  })
})

describe('the token never reaches the log', () => {
  it('across successes, every kind of failure, and an API message that echoes it', async () => {
    const messages = new Messages()
    const scenarios: (() => void)[] = [
      () => {},
      () => fake.forbid({ times: 1 }),
      () => fake.failWith(401, 'Bad credentials', { times: 1 }),
      () => fake.failWith(404, 'Not Found', { times: 1 }),
      () => fake.failWith(422, `token ${TOKEN} is not valid here`, { times: 1 }),
      () => fake.failWith(500, `oops ${TOKEN}`, { times: 1 }),
      () => (fake.dropConnections = true),
    ]
    for (const mode of ['commit', 'deployment'] as const) {
      for (const setUp of scenarios) {
        fake.canned.length = 0
        fake.dropConnections = false
        setUp()
        const r = await reporter(mode, messages)
        await r.report({ state: 'pending', description: 'a' })
        await r.report({ state: 'failure', description: `b ${TOKEN}` })
      }
    }
    expect(messages.warnings.length).toBeGreaterThanOrEqual(10)
    expect(messages.info.length).toBeGreaterThan(0)
    for (const line of messages.all()) expect(line).not.toContain(TOKEN)
    // the token is not echoed into descriptions GitHub stores either
    for (const status of fake.commitStatuses) expect(status.description).not.toContain(TOKEN)
    for (const d of fake.deployments) for (const s of d.statuses) expect(s.description).not.toContain(TOKEN)
  })
})

describe('progress lines', () => {
  const base: Outcome = {
    result: 'promoted',
    weight: 100,
    stableVersion: '6',
    targetVersion: '7',
    alarm: undefined,
    reason: undefined,
    stages: [],
    events: [],
    insufficient: [],
    startedAt: 0,
    endedAt: 0,
    alreadyPromoted: false,
    needsCleanup: false,
  }

  it('describes the start, each stage and every result', () => {
    expect(startProgress('7')).toEqual({ state: 'pending', description: 'canary of version 7 starting' })
    expect(stageProgress(2, 3, 50, '7')).toEqual({ state: 'in_progress', description: 'stage 2/3: 50% on version 7' })
    expect(outcomeProgress(base)).toEqual({ state: 'success', description: 'promoted version 7 to 100%' })
    expect(outcomeProgress({ ...base, alreadyPromoted: true }).description).toBe('version 7 already serves 100%')
    expect(outcomeProgress({ ...base, result: 'held', weight: 50 })).toEqual({ state: 'success', description: 'held at 50% on version 7' })
    expect(
      outcomeProgress({
        ...base,
        result: 'rolled-back',
        weight: 0,
        alarm: { name: 'orders-errors', state: 'ALARM', reason: 'r', updatedAt: undefined, link: '' },
      }),
    ).toEqual({ state: 'failure', description: 'rolled back: alarm orders-errors' })
    expect(outcomeProgress({ ...base, result: 'rolled-back', weight: 0, reason: 'cancelled by SIGINT' }).description).toBe('rolled back: cancelled by SIGINT')
    expect(outcomeProgress({ ...base, result: 'refused', weight: 0, reason: 'alarm x is firing' })).toEqual({
      state: 'failure',
      description: 'did not start: alarm x is firing',
    })
    expect(outcomeProgress({ ...base, result: 'failed', weight: 10, reason: 'alias changed' }).description).toBe('failed at 10%: alias changed')
  })
})
