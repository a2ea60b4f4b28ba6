// HTTP front: parses requests, routes to control API or a service, applies faults/policy, logs calls.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AlarmState } from './cloudwatch/cloudwatch.js'
import type { CodeDeployControlApi } from './codedeploy/control.js'
import type { CodeDeploySettings } from './codedeploy/progress.js'
import { CONTROL_PREFIX, handleControl } from './control.js'
import { EmulatorCore } from './core.js'
import type { CallRecord, FaultConfig, PolicyDocument } from './faults.js'
import { accessKeyIdFrom, type ApiRequest, type ApiResponse } from './http.js'
import type { InvocationStreamSpec } from './lambda/invocations.js'
import type { AliasHistoryEntry, Weights } from './lambda/lambda.js'
import { callerArn } from './identity/caller.js'
import { ApiError, type EmulatedService } from './service.js'
import type { Elbv2ControlApi } from './elbv2/control.js'
import type { EcsControlApi } from './ecs/control.js'
import type { EcsSettings } from './ecs/deployment.js'

export interface Emulator {
  url: string
  port: number
  state: EmulatorCore['state']
  close(): Promise<void>
  setAlarmState(name: string, state: AlarmState, reason?: string): void
  setFaults(cfg: FaultConfig | null): void
  /** IAM actions (any resource), or a policy document whose statements pair actions with Resource ARNs; null: allow all. */
  setPolicy(policy: string[] | PolicyDocument | null): void
  /** Rate-based throttling at AWS's published rates; on by default (and after reset). */
  setRateLimits(enabled: boolean): void
  /** After each UpdateAlias, the next `count` GetAlias calls for that alias see it as it was before. */
  setStaleAliasReads(count: number): void
  calls(): CallRecord[]
  aliasHistory(): AliasHistoryEntry[]
  reset(): void
  seedFunction(name: string, opts?: { versions?: number }): void
  seedAlias(fn: string, alias: string, version: string, weights?: Weights): void
  seedAlarm(name: string, state?: AlarmState, opts?: { composite?: boolean; alarmRule?: string; reason?: string }): void
  /** Simulated invocations through an alias (rate, and each version's error rate and duration); `since` starts it in the past. */
  setInvocations(spec: InvocationStreamSpec, since?: number): void
  stopInvocations(functionName: string, alias: string): void
  /** CodeDeploy engine controls: time scale, hook answering, failure injection, instance counts. */
  codedeploy: CodeDeployControlApi
  /** Application Load Balancer seeding, target health and the simulated request stream. */
  elbv2: Elbv2ControlApi
  /** ECS: seed a service behind the ALB, time scale, crashing revisions, deployment summaries. */
  ecs: EcsControlApi
}

export interface StartEmulatorOptions {
  port?: number
  seed?: number
  /** CodeDeploy engine defaults, e.g. { timeScale: 200 } for 200 ms per CodeDeploy minute. Survive reset(). */
  codedeploy?: Partial<CodeDeploySettings>
  /** ECS engine defaults, e.g. { timeScale: 200 } for 200 ms per ECS minute. Survive reset(). */
  ecs?: Partial<EcsSettings>
}

async function readRequest(req: IncomingMessage): Promise<ApiRequest> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const url = new URL(req.url ?? '/', 'http://localhost')
  return {
    method: req.method ?? 'GET',
    // Decode per segment so URL-encoded ARNs (colons as %3A) come through intact.
    segments: url.pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s)),
    query: url.searchParams,
    headers: req.headers,
    body: Buffer.concat(chunks).toString('utf8'),
    accessKeyId: accessKeyIdFrom(req.headers),
  }
}

function send(res: ServerResponse, r: ApiResponse): void {
  const payload = r.body === undefined || r.status === 204 ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body)
  res.writeHead(r.status, {
    'content-type': 'application/json',
    'x-amzn-requestid': randomUUID(),
    ...r.headers,
    'content-length': Buffer.byteLength(payload).toString(),
  })
  res.end(payload)
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** One answered API call, as the contract test sees it (body as sent, before JSON encoding). */
export interface Exchange {
  readonly service: EmulatedService['name']
  readonly operation: string
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: unknown
}

let exchangeRecorder: ((exchange: Exchange) => void) | undefined

/** Test hook: every API response any emulator in this process sends is passed to `record` (undefined: stop). */
export function recordExchanges(record: ((exchange: Exchange) => void) | undefined): void {
  exchangeRecorder = record
}

function toErrorResponse(err: unknown, fmt: (status: number, code: string, message: string) => ApiResponse): ApiResponse {
  if (err instanceof ApiError) return fmt(err.status, err.code, err.message)
  if (err instanceof SyntaxError) return fmt(400, 'SerializationException', `Malformed JSON body: ${err.message}`)
  return fmt(500, 'InternalFailure', err instanceof Error ? err.message : String(err))
}

async function dispatchService(core: EmulatorCore, svc: EmulatedService, op: string, req: ApiRequest, res: ServerResponse): Promise<void> {
  const action = `${svc.iamPrefix}:${op}`
  const decision = core.faults.decide(svc.name, op, svc.needsNoPermission?.(op) ? undefined : action, () => svc.resourceArn(req))
  const base = { at: Date.now(), service: svc.name, operation: op, ...(req.accessKeyId !== undefined && { accessKeyId: req.accessKeyId }) }
  if (decision.latencyMs > 0) await sleep(decision.latencyMs)
  let r: ApiResponse
  switch (decision.kind) {
    case 'drop':
      core.recordCall({ ...base, status: 0, fault: 'drop' })
      res.socket?.destroy()
      return
    case 'unavailable':
    case 'error':
      r = svc.error(503, 'ServiceUnavailable', 'Service is unavailable. Please try again later.')
      break
    case 'throttle':
    case 'rate':
      r = svc.error(
        svc.throttle.status,
        svc.throttle.code,
        'Rate exceeded',
        svc.throttle.retryAfterHeader ? { 'retry-after': String(core.faults.retryAfterSeconds()) } : {},
      )
      break
    case 'denied': {
      const user = callerArn(req)
      r = svc.error(
        403,
        svc.accessDeniedCode,
        `User: ${user} is not authorized to perform: ${action} on resource: ${svc.resourceArn(req)} because no identity-based policy allows the ${action} action`,
      )
      break
    }
    default:
      try {
        r = svc.handle(op, req)
      } catch (err) {
        r = toErrorResponse(err, svc.error)
      }
  }
  core.recordCall({ ...base, status: r.status, ...(decision.kind !== undefined && { fault: decision.kind }) })
  exchangeRecorder?.({ service: svc.name, operation: op, status: r.status, headers: { ...r.headers }, body: r.body })
  send(res, r)
}

async function handle(core: EmulatorCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const api = await readRequest(req)
  if (api.segments[0] === CONTROL_PREFIX) {
    let r: ApiResponse
    try {
      r = handleControl(core, api)
    } catch (err) {
      r = toErrorResponse(err, (status, code, message) => ({ status, body: { error: code, message } }))
    }
    send(res, r)
    return
  }
  for (const svc of core.services) {
    const op = svc.match(api)
    if (op !== undefined) return dispatchService(core, svc, op, api, res)
  }
  send(res, { status: 404, body: { message: `Emulator has no route for ${api.method} /${api.segments.join('/')}` } })
}

export async function startEmulator(opts: StartEmulatorOptions = {}): Promise<Emulator> {
  const core = new EmulatorCore(opts.seed ?? 1, {
    ...(opts.codedeploy !== undefined && { codedeploy: opts.codedeploy }),
    ...(opts.ecs !== undefined && { ecs: opts.ecs }),
  })
  const server = createServer((req, res) => {
    handle(core, req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: { message: String(err) } })
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    state: core.state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // SDK clients keep sockets alive; close them or server.close() waits forever.
        core.close()
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      }),
    setAlarmState: (name, state, reason) => core.setAlarmState(name, state, ...(reason === undefined ? [] : [reason])),
    setFaults: (cfg) => core.setFaults(cfg),
    setPolicy: (policy) => core.setPolicy(policy),
    setRateLimits: (enabled) => core.setRateLimits(enabled),
    setStaleAliasReads: (count) => core.setStaleAliasReads(count),
    calls: () => core.calls(),
    aliasHistory: () => core.aliasHistory(),
    reset: () => core.reset(),
    seedFunction: (name, o) => core.seedFunction(name, o),
    seedAlias: (fn, alias, version, weights) => core.seedAlias(fn, alias, version, weights),
    seedAlarm: (name, state, o) => core.seedAlarm(name, state, o),
    setInvocations: (spec, since) => core.setInvocations(spec, since),
    stopInvocations: (fn, alias) => core.stopInvocations(fn, alias),
    codedeploy: core.codedeploy,
    elbv2: core.elbv2,
    ecs: core.ecs,
  }
}
