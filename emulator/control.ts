// HTTP control API under /_emulator/ for tests and demos running in other processes.
// Never subject to faults or policy: the router handles these before fault injection.
import type { AlarmState } from './cloudwatch/cloudwatch.js'
import { handleCodeDeployControl } from './codedeploy/control.js'
import { handleElbv2Control } from './elbv2/control.js'
import { handleEcsControl } from './ecs/control.js'
import type { EmulatorCore } from './core.js'
import type { FaultConfig, PolicyDocument } from './faults.js'
import { parseJsonBody, type ApiRequest, type ApiResponse } from './http.js'
import { ApiError } from './service.js'
import type { Weights } from './lambda/lambda.js'
import type { DeliverySettings } from './cloudwatch/delivery.js'

export const CONTROL_PREFIX = '_emulator'

const json = (body: unknown, status = 200): ApiResponse => ({ status, headers: { 'content-type': 'application/json' }, body })
const done = (): ApiResponse => json({ ok: true })

function need<T>(v: unknown, what: string, check: (x: unknown) => boolean): T {
  if (!check(v)) throw new ApiError(400, 'BadRequest', `${what} is missing or invalid`)
  return v as T
}
const isStr = (x: unknown): boolean => typeof x === 'string' && x !== ''
const isStrList = (x: unknown): boolean => Array.isArray(x) && x.every((s) => typeof s === 'string')

export function handleControl(core: EmulatorCore, req: ApiRequest): ApiResponse {
  const [, a, b, c] = req.segments
  const route = `${req.method} ${a ?? ''}${b === undefined ? '' : `/${a === 'alarms' ? ':name' : b}`}${c === undefined ? '' : `/${c}`}`
  const body = req.method === 'POST' ? parseJsonBody(req) : {}
  switch (route) {
    case 'GET health':
      return json({ ok: true })
    case 'GET calls':
      return json(core.calls())
    case 'GET alias-history':
      return json(core.aliasHistory())
    case 'GET alarm-history':
      return json(core.alarmHistory())
    case 'GET faults':
      return json(core.faults.getFaults())
    case 'GET policy':
      return json({ actions: core.faults.getPolicy() })
    case 'POST reset':
      core.reset()
      return done()
    case 'POST faults':
      core.setFaults(Object.keys(body).length === 0 ? null : (body as FaultConfig))
      return done()
    case 'POST policy': {
      if (body.document !== undefined) {
        core.setPolicy(
          need<PolicyDocument>(body.document, 'document', (x) => typeof x === 'object' && x !== null && Array.isArray((x as PolicyDocument).Statement)),
        )
        return done()
      }
      const actions = body.actions ?? null
      core.setPolicy(actions === null ? null : need<string[]>(actions, 'actions', isStrList))
      return done()
    }
    case 'POST rate-limits': {
      core.setRateLimits(need<boolean>(body.enabled, 'enabled', (x) => typeof x === 'boolean'))
      return done()
    }
    case 'POST lambda/stale-reads': {
      const count = need<number>(body.count, 'count', (x) => Number.isInteger(x) && (x as number) >= 0)
      core.setStaleAliasReads(count)
      return done()
    }
    case 'POST alarms/:name/state': {
      const state = need<AlarmState>(body.state, 'state', isStr)
      const reason = body.reason
      core.setAlarmState(b ?? '', state, ...(typeof reason === 'string' ? [reason] : []))
      return done()
    }
    case 'POST seed/function': {
      const versions = body.versions ?? 1
      core.seedFunction(need<string>(body.name, 'name', isStr), {
        versions: need<number>(versions, 'versions', (x) => Number.isInteger(x) && (x as number) >= 0),
      })
      return done()
    }
    case 'POST seed/alias': {
      const weights = (body.weights ?? {}) as Weights
      core.seedAlias(
        need<string>(body.function, 'function', isStr),
        need<string>(body.alias, 'alias', isStr),
        String(need<string | number>(body.version, 'version', (x) => isStr(x) || typeof x === 'number')),
        weights,
      )
      return done()
    }
    case 'GET invocations':
      return json(core.invocations.specs())
    case 'POST invocations': {
      const versions = body.versions
      if (versions !== undefined && (typeof versions !== 'object' || versions === null || Array.isArray(versions))) {
        throw new ApiError(400, 'BadRequest', 'versions must map version numbers to { errorRate, durationMs }')
      }
      core.setInvocations({
        functionName: need<string>(body.function, 'function', isStr),
        alias: typeof body.alias === 'string' && body.alias !== '' ? body.alias : 'live',
        ratePerSecond: need<number>(body.rate, 'rate (invocations per second)', (x) => typeof x === 'number' && Number.isFinite(x) && x >= 0),
        ...(versions !== undefined && { versions: versions as Record<string, { errorRate?: number; durationMs?: number }> }),
        ...(typeof body.errorRate === 'number' || typeof body.durationMs === 'number'
          ? {
              defaults: {
                ...(typeof body.errorRate === 'number' && { errorRate: body.errorRate }),
                ...(typeof body.durationMs === 'number' && { durationMs: body.durationMs }),
              },
            }
          : {}),
        ...(typeof body.metricDelayMs === 'number' && { metricDelayMs: body.metricDelayMs }),
        ...(typeof body.durationSigma === 'number' && { durationSigma: body.durationSigma }),
      })
      return done()
    }
    case 'POST invocations/spike': {
      const durationMs = need<number>(body.durationMs, 'durationMs', (x) => typeof x === 'number' && Number.isFinite(x) && x > 0)
      const from = typeof body.at === 'number' ? body.at : Date.now() + (typeof body.startInMs === 'number' ? body.startInMs : 0)
      try {
        core.invocations.spike(need<string>(body.function, 'function', isStr), typeof body.alias === 'string' && body.alias !== '' ? body.alias : 'live', {
          from,
          to: from + durationMs,
          errorRate: need<number>(body.errorRate, 'errorRate (0..1)', (x) => typeof x === 'number' && x >= 0 && x <= 1),
        })
      } catch (e) {
        if (e instanceof ApiError) throw e
        throw new ApiError(400, 'BadRequest', (e as Error).message)
      }
      return done()
    }
    case 'GET cloudwatch/delivery':
      return json(core.state.cloudwatch.metrics.delivery.settings())
    case 'POST cloudwatch/delivery': {
      const series = body.series
      if (series !== undefined && !(Array.isArray(series) && series.every((s) => typeof s === 'object' && s !== null && typeof s.dimensions === 'object'))) {
        throw new ApiError(400, 'BadRequest', 'series must be a list of { dimensions: { Name: Value }, metricName?, extraDelayMs }')
      }
      const patch = Object.fromEntries(
        ['delayMs', 'jitterMs', 'skewMs', 'seed', 'series', 'namespaces'].filter((k) => body[k] !== undefined).map((k) => [k, body[k]]),
      ) as Partial<DeliverySettings>
      try {
        return json(core.state.cloudwatch.metrics.delivery.configure(patch))
      } catch (e) {
        throw new ApiError(400, 'BadRequest', (e as Error).message)
      }
    }
    case 'POST invocations/stop':
      core.stopInvocations(need<string>(body.function, 'function', isStr), typeof body.alias === 'string' && body.alias !== '' ? body.alias : 'live')
      return done()
    case 'POST seed/alarm': {
      const opts = {
        composite: body.composite === true,
        ...(typeof body.alarmRule === 'string' && { alarmRule: body.alarmRule }),
        ...(typeof body.reason === 'string' && { reason: body.reason }),
      }
      core.seedAlarm(need<string>(body.name, 'name', isStr), (body.state ?? 'OK') as AlarmState, opts)
      return done()
    }
    default: {
      const r =
        a === 'codedeploy'
          ? handleCodeDeployControl(core.codedeploy, route, body)
          : a === 'elbv2'
            ? handleElbv2Control(core.elbv2, route, body)
            : a === 'ecs'
              ? handleEcsControl(core.ecs, route, body)
              : undefined
      if (r !== undefined) return json(r)
      return json({ error: 'NotFound', message: `No control route ${req.method} /${req.segments.join('/')}` }, 404)
    }
  }
}
