/**
 * Starts a throw-away moto server (python3 -m moto.server) on a free loopback port.
 *
 * Tests must FAIL (not skip) when moto is unavailable, so every failure here throws.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'

export interface MotoServer {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string
  port: number
  /** Milliseconds from spawn until the server answered HTTP. */
  startupMs: number
  stop(): Promise<void>
}

export interface StartMotoOptions {
  /** How long to wait for the server to answer, default 20 s. */
  timeoutMs?: number
  /** Python interpreter, default $MOTO_PYTHON or python3. */
  python?: string
}

const live = new Set<ChildProcess>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // 'exit' handlers must be synchronous: a SIGKILL is the only thing that is guaranteed to land.
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL')
      } catch {
        // already gone
      }
    }
  })
}

/** Asks the kernel for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      if (addr === null || typeof addr === 'string') {
        srv.close()
        reject(new Error('could not obtain a free port'))
        return
      }
      const { port } = addr
      srv.close(() => resolve(port))
    })
  })
}

// Runs moto's server with a watchdog thread that exits when the parent (this Node process) goes away,
// so a crashed or SIGKILLed test worker does not leave a moto server behind.
const PY_BOOTSTRAP = `
import os, sys, threading, time
parent = os.getppid()
def watch():
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)
threading.Thread(target=watch, daemon=True).start()
try:
    from moto.server import main
except ImportError as e:
    sys.stderr.write("MOTO_IMPORT_ERROR: %s\\n" % e)
    sys.exit(97)
main(sys.argv[1:])
`

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/moto-api/data.json`, { signal: AbortSignal.timeout(1000) })
    await res.arrayBuffer()
    return res.ok
  } catch {
    return false
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      live.delete(child)
      resolve()
      return
    }
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 3000)
    child.once('exit', () => {
      clearTimeout(killTimer)
      live.delete(child)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

async function startOnce(python: string, timeoutMs: number): Promise<MotoServer> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const started = Date.now()
  const child = spawn(python, ['-c', PY_BOOTSTRAP, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  })
  installExitHook()
  live.add(child)

  let output = ''
  const collect = (b: Buffer) => {
    output += b.toString()
    if (output.length > 20_000) output = output.slice(-20_000)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)

  let spawnError: Error | undefined
  child.on('error', (e) => {
    spawnError = e
  })

  const deadline = started + timeoutMs
  for (;;) {
    if (spawnError) {
      live.delete(child)
      throw new Error(`moto: cannot run ${python}: ${spawnError.message}. Install Python 3 and moto[server] (pip install 'moto[server]').`)
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      live.delete(child)
      if (child.exitCode === 97 || /MOTO_IMPORT_ERROR|No module named/.test(output)) {
        throw new Error(`moto is not importable by ${python} (pip install 'moto[server]'); e2e tests require it.\n${output.trim()}`)
      }
      const err = new Error(`moto server exited early (code ${child.exitCode}, signal ${child.signalCode}):\n${output.trim()}`)
      // Lost a race for the port: let the caller retry with another one.
      if (/Address already in use|address in use/i.test(output)) throw Object.assign(err, { retryable: true })
      throw err
    }
    if (await answers(url)) break
    if (Date.now() > deadline) {
      await stopChild(child)
      throw new Error(`moto server did not answer on ${url} within ${timeoutMs} ms:\n${output.trim()}`)
    }
    await sleep(100)
  }
  const startupMs = Date.now() - started
  return { url, port, startupMs, stop: () => stopChild(child) }
}

export async function startMoto(opts: StartMotoOptions = {}): Promise<MotoServer> {
  const python = opts.python ?? process.env['MOTO_PYTHON'] ?? 'python3'
  const timeoutMs = opts.timeoutMs ?? 20_000
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(python, timeoutMs)
    } catch (e) {
      lastError = e
      if (!(e instanceof Error && (e as Error & { retryable?: boolean }).retryable)) throw e
    }
  }
  throw lastError
}

/** Wipes all moto state (all services, all accounts). */
export async function resetMoto(url: string): Promise<void> {
  const res = await fetch(`${url}/moto-api/reset`, { method: 'POST' })
  await res.arrayBuffer()
  if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`)
}
