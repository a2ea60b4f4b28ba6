/**
 * Secrets: with known fake AWS credentials and a GitHub token in the environment (and as an
 * input the action may not declare yet), no run writes them, or their base64, to stdout, stderr,
 * the job summary, outputs, state or exported env: promote, rollback on alarm, refusal, a kill
 * and its post step, and GitHub reporting against an API that echoes the token back; with runner
 * debug logging on.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { runPost, type ActionRun } from '../e2e/runner.js'
import { actionWrites, brief, Figures, runOn, seedFunction, waitUntil, withEmulator } from './helpers.js'

const figures = new Figures('secrets')
afterAll(() => figures.flush())

const SECRETS = {
  AWS_ACCESS_KEY_ID: 'AKIARELIABILITYTEST7',
  AWS_SECRET_ACCESS_KEY: 'r3l1ab1l1ty/S3cr3t+Acc3ssK3y/doNotLeak0000',
  AWS_SESSION_TOKEN: 'IQoJb3JpZ2luX2VjEReliabilitySessionToken//doNotLeak+0000000000000000==',
  GITHUB_TOKEN: 'ghs_ReliabilityFakeToken0123456789abcdefGHIJ',
}

const b64 = (s: string): string => Buffer.from(s).toString('base64')
const b64url = (s: string): string => Buffer.from(s).toString('base64url')

/** Every form a secret could leak in. */
const NEEDLES: { name: string; value: string }[] = Object.entries(SECRETS).flatMap(([name, value]) => [
  { name, value },
  { name: `${name} (base64)`, value: b64(value) },
  { name: `${name} (base64url)`, value: b64url(value) },
  { name: `${name} (URL-encoded)`, value: encodeURIComponent(value) },
  // A 4-character-aligned middle slice of the base64 catches it inside a longer base64 blob too.
  { name: `${name} (base64, inside a blob)`, value: b64(value).slice(4, -4) },
])
NEEDLES.push(
  { name: 'GITHUB_TOKEN (basic auth)', value: b64(`x-access-token:${SECRETS.GITHUB_TOKEN}`) },
  { name: 'GITHUB_TOKEN (basic auth, empty user)', value: b64(`:${SECRETS.GITHUB_TOKEN}`) },
)

function surfaces(run: ActionRun): Record<string, string> {
  return {
    // `::add-mask::VALUE` is the instruction that makes the runner hide VALUE; the runner never shows it.
    stdout: run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n'),
    stderr: run.stderr,
    summary: run.summary,
    outputs: JSON.stringify(run.outputs),
    state: JSON.stringify(run.state),
    exportedEnv: JSON.stringify(run.exportedEnv),
    path: run.addedPath.join('\n'),
  }
}

function leaks(runs: ActionRun[]): string[] {
  const found: string[] = []
  for (const run of runs) {
    for (const [where, text] of Object.entries(surfaces(run))) {
      for (const needle of NEEDLES) if (text.includes(needle.value)) found.push(`${needle.name} in ${run.phase} ${where}`)
    }
  }
  return found
}

const SECRET_ENV = { ...SECRETS, RUNNER_DEBUG: '1', ACTIONS_STEP_DEBUG: 'true' }

/** A loopback stand-in for the GitHub API that fails every call, echoing the Authorization header. */
async function startEchoingApi(status: number): Promise<{ url: string; authorizations(): string[]; close(): Promise<void> }> {
  const seen: string[] = []
  const server = createServer((req, res) => {
    const auth = req.headers.authorization ?? ''
    seen.push(auth)
    req.resume()
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({ message: `Bad credentials: ${auth} (token ${auth.replace(/^(token|Bearer) /i, '')})`, documentation_url: 'https://docs.github.com' }),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    authorizations: () => [...seen],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
const FN = 'orders'
const ALARM = 'orders-errors'

describe('secrets', () => {
  it('promote, rollback on alarm and refusal (and their post steps) never print a credential or token', async () => {
    const run = (emulator: Parameters<typeof runOn>[0], inputs: Record<string, string>) =>
      runOn(
        emulator,
        { 'function-name': FN, version: '2', alarms: ALARM, 'github-token': SECRETS.GITHUB_TOKEN, ...inputs },
        { env: SECRET_ENV, allowUnknownInputs: true },
      )
    const scenarios = await Promise.all([
      withEmulator(1_100, async (emulator) => {
        seedFunction(emulator, FN)
        emulator.seedAlarm(ALARM, 'OK')
        const main = await run(emulator, { stages: '10%:1s, 100%' })
        expect(main.outputs['result']).toBe('promoted')
        // The action really signed its calls with the fake key (so the secrets were in use).
        expect(emulator.calls().every((c) => c.accessKeyId === SECRETS.AWS_ACCESS_KEY_ID)).toBe(true)
        return { name: 'promote', runs: [main, await runPost(main)] }
      }),
      withEmulator(1_101, async (emulator) => {
        seedFunction(emulator, FN)
        emulator.seedAlarm(ALARM, 'OK')
        const running = run(emulator, { stages: '10%:20s, 100%' })
        await waitUntil(() => actionWrites(emulator, FN).length > 0, 15_000, 'first shift')
        emulator.setAlarmState(ALARM, 'ALARM', 'Threshold Crossed: injected')
        const main = await running
        expect(main.outputs['result']).toBe('rolled-back')
        return { name: 'rollback-on-alarm', runs: [main, await runPost(main)] }
      }),
      withEmulator(1_102, async (emulator) => {
        seedFunction(emulator, FN)
        const main = await run(emulator, { stages: '10%:1s, 100%' }) // the alarm does not exist
        expect(main.outputs['result']).toBe('refused')
        return { name: 'refused', runs: [main, await runPost(main)] }
      }),
      withEmulator(1_104, async (emulator) => {
        seedFunction(emulator, FN)
        emulator.seedAlarm(ALARM, 'OK')
        const main = await runOn(
          emulator,
          { 'function-name': FN, version: '2', alarms: ALARM, stages: '10%:20s, 100%', 'github-token': SECRETS.GITHUB_TOKEN },
          { env: SECRET_ENV, allowUnknownInputs: true, signalAfter: { when: (out) => out.includes('(verified)'), signal: 'SIGKILL' } },
        )
        const post = await runPost(main)
        expect(post.stdout).toContain('rolling back')
        return { name: 'killed, post rolls back', runs: [main, post] }
      }),
      // GitHub reporting on, against a loopback GitHub API that fails and echoes the request's
      // Authorization header back in its error message.
      ...(['commit', 'deployment'] as const).map((mode, i) =>
        withEmulator(1_105 + i, async (emulator) => {
          const api = await startEchoingApi(i === 0 ? 500 : 401)
          try {
            seedFunction(emulator, FN)
            emulator.seedAlarm(ALARM, 'OK')
            const main = await runOn(
              emulator,
              { 'function-name': FN, version: '2', alarms: ALARM, stages: '10%:1s, 100%', 'github-status': mode, 'github-token': SECRETS.GITHUB_TOKEN },
              { env: { ...SECRET_ENV, GITHUB_API_URL: api.url }, allowUnknownInputs: true },
            )
            expect(main.outputs['result']).toBe('promoted')
            expect(
              api.authorizations().some((a) => a.includes(SECRETS.GITHUB_TOKEN)),
              'the token was sent to the API',
            ).toBe(true)
            expect(main.masks).toContain(SECRETS.GITHUB_TOKEN)
            return { name: `github-status ${mode}, API answering ${i === 0 ? 500 : 401} with the token echoed`, runs: [main, await runPost(main)] }
          } finally {
            await api.close()
          }
        }),
      ),
    ])
    const all = scenarios
    const found = leaks(all.flatMap((s) => s.runs))
    figures.set('scan', {
      scenarios: all.map((s) => ({ name: s.name, runs: s.runs.map(brief) })),
      needles: NEEDLES.length,
      surfaces: Object.keys(surfaces(all[0]?.runs[0] as ActionRun)),
      leaks: found,
    })
    expect(found).toEqual([])
  })
})
