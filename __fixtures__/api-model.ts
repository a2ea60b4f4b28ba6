/**
 * A small validator over AWS's published API models (botocore's service-2.json, which moto's Python
 * brings to this machine): checks that a response body has the operation's output shape (no member
 * the model lacks, every required member, the right types, enum values and length/range limits), and
 * that an error is one the operation (or every AWS service) can return. Patterns are not checked
 * (they are Java regexes), nor are header and status-code members (the emulator's HTTP layer sets those).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import type { Exchange } from '../emulator/server.js'

interface Member {
  shape: string
  location?: string
  locationName?: string
  jsonName?: string
}

interface Shape {
  type: string
  members?: Record<string, Member>
  required?: string[]
  member?: Member
  key?: Member
  value?: Member
  enum?: string[]
  min?: number
  max?: number
  error?: { code?: string }
  exception?: boolean
  /** A free-form JSON document (ECS's hookDetails): any value is valid. */
  document?: boolean
}

interface Operation {
  output?: { shape: string; resultWrapper?: string }
  errors?: { shape: string }[]
}

export interface ServiceModel {
  readonly metadata: { protocol: string; protocols?: string[] }
  readonly operations: Record<string, Operation>
  readonly shapes: Record<string, Shape>
}

/** The model directory per emulated service. */
const MODELS: Partial<Record<Exchange['service'], string>> = {
  lambda: 'lambda/2015-03-31',
  cloudwatch: 'cloudwatch/2010-08-01',
  codedeploy: 'codedeploy/2014-10-06',
  elbv2: 'elbv2/2015-12-01',
  ecs: 'ecs/2014-11-13',
  sts: 'sts/2011-06-15',
  iam: 'iam/2010-05-08',
}

/** Errors every AWS service may return, whether or not the operation lists them (AWS's "common errors"). */
const COMMON_ERRORS = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'ThrottlingException',
  'Throttling',
  'ServiceUnavailable',
  'InternalFailure',
  'SerializationException',
  'ValidationError',
  'ValidationException',
  'UnknownOperationException',
])

let botocoreData: string | null | undefined

/** botocore's data directory, or null when python3/botocore is missing. */
export function botocoreDataDir(): string | null {
  if (botocoreData !== undefined) return botocoreData
  const out = spawnSync('python3', ['-c', 'import botocore,os;print(os.path.dirname(botocore.__file__))'], { encoding: 'utf8' })
  const dir = out.status === 0 ? join(out.stdout.trim(), 'data') : ''
  botocoreData = dir && existsSync(dir) ? dir : null
  return botocoreData
}

const cache = new Map<string, ServiceModel>()

export function loadModel(service: Exchange['service']): ServiceModel | undefined {
  const rel = MODELS[service]
  const data = botocoreDataDir()
  if (!rel || !data) return undefined
  const cached = cache.get(rel)
  if (cached) return cached
  const base = join(data, rel, 'service-2.json')
  const text = existsSync(base) ? readFileSync(base, 'utf8') : gunzipSync(readFileSync(`${base}.gz`)).toString('utf8')
  const model = JSON.parse(text) as ServiceModel
  cache.set(rel, model)
  return model
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Problems found validating `value` against `shapeName`; empty when it conforms. */
export function validateShape(model: ServiceModel, shapeName: string, value: unknown, path = '$'): string[] {
  const shape = model.shapes[shapeName]
  if (!shape) return [`${path}: the model has no shape ${shapeName}`]
  const bad = (what: string): string[] => [`${path}: ${what} (shape ${shapeName})`]
  if (shape.document) return []
  switch (shape.type) {
    case 'structure': {
      if (!isObject(value)) return bad(`expected an object, got ${JSON.stringify(value)}`)
      const problems: string[] = []
      const body = Object.entries(shape.members ?? {}).filter(([, m]) => m.location === undefined)
      const byWireName = new Map(body.map(([name, m]) => [m.jsonName ?? m.locationName ?? name, name]))
      for (const [key, v] of Object.entries(value)) {
        const name = byWireName.get(key)
        if (name === undefined) {
          problems.push(`${path}.${key}: not a member of ${shapeName}`)
          continue
        }
        if (v === null) {
          problems.push(`${path}.${key}: null (AWS omits members it has no value for)`)
          continue
        }
        const member = shape.members?.[name]
        if (member) problems.push(...validateShape(model, member.shape, v, `${path}.${key}`))
      }
      for (const name of shape.required ?? []) {
        const m = shape.members?.[name]
        if (!m || m.location !== undefined) continue
        if (!((m.jsonName ?? m.locationName ?? name) in value)) problems.push(`${path}.${name}: required by ${shapeName}, missing`)
      }
      return problems
    }
    case 'list': {
      if (!Array.isArray(value)) return bad(`expected a list, got ${JSON.stringify(value)}`)
      const problems = value.flatMap((v, i) => validateShape(model, (shape.member as Member).shape, v, `${path}[${i}]`))
      if (shape.min !== undefined && value.length < shape.min) problems.push(`${path}: ${value.length} items, fewer than ${shape.min}`)
      if (shape.max !== undefined && value.length > shape.max) problems.push(`${path}: ${value.length} items, more than ${shape.max}`)
      return problems
    }
    case 'map': {
      if (!isObject(value)) return bad(`expected a map, got ${JSON.stringify(value)}`)
      return Object.entries(value).flatMap(([k, v]) => [
        ...validateShape(model, (shape.key as Member).shape, k, `${path}{${k}}`),
        ...validateShape(model, (shape.value as Member).shape, v, `${path}.${k}`),
      ])
    }
    case 'string': {
      if (typeof value !== 'string') return bad(`expected a string, got ${JSON.stringify(value)}`)
      if (shape.enum && !shape.enum.includes(value)) return bad(`${JSON.stringify(value)} is not one of ${shape.enum.join(', ')}`)
      if (shape.min !== undefined && value.length < shape.min) return bad(`${value.length} characters, fewer than ${shape.min}`)
      if (shape.max !== undefined && value.length > shape.max) return bad(`${value.length} characters, more than ${shape.max}`)
      return []
    }
    case 'integer':
    case 'long': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return bad(`expected an integer, got ${JSON.stringify(value)}`)
      if (shape.min !== undefined && value < shape.min) return bad(`${value} is below ${shape.min}`)
      if (shape.max !== undefined && value > shape.max) return bad(`${value} is above ${shape.max}`)
      return []
    }
    case 'double':
    case 'float':
      return typeof value === 'number' ? [] : bad(`expected a number, got ${JSON.stringify(value)}`)
    case 'boolean':
      return typeof value === 'boolean' ? [] : bad(`expected a boolean, got ${JSON.stringify(value)}`)
    case 'timestamp':
      // JSON protocols send epoch seconds; REST-JSON (Lambda) sends ISO 8601 strings.
      return typeof value === 'number' || (typeof value === 'string' && !Number.isNaN(Date.parse(value)))
        ? []
        : bad(`expected a timestamp, got ${JSON.stringify(value)}`)
    case 'blob':
      return typeof value === 'string' ? [] : bad('expected base64 text')
    default:
      return bad(`unknown shape type ${shape.type}`)
  }
}

/** One element of a query-protocol XML response: the emulator writes no attributes but xmlns, and no CDATA. */
interface XmlElement {
  readonly name: string
  readonly children: XmlElement[]
  text: string
}

const unescapeXml = (text: string): string =>
  text.replace(/&(lt|gt|amp|apos|quot);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' })[e] ?? '')

/** A minimal XML reader for the emulator's own query-protocol bodies. */
export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', children: [], text: '' }
  const stack = [root]
  for (const token of xml.replace(/^<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([\w:.-]+)[^>]*?(\/?)>|([^<]+)/g)) {
    const top = stack.at(-1) as XmlElement
    if (token[4] !== undefined) top.text += unescapeXml(token[4])
    else if (token[1] === '/') stack.pop()
    else {
      const element: XmlElement = { name: token[2] as string, children: [], text: '' }
      top.children.push(element)
      if (token[3] !== '/') stack.push(element)
    }
  }
  return root.children[0] ?? root
}

/**
 * An XML element read as the SDK reads it for `shapeName`: structures by member (locationName),
 * lists as `<member>` items, scalars from their text. Unknown elements are kept under their own
 * name, so validateShape reports them.
 */
function fromXml(model: ServiceModel, shapeName: string, element: XmlElement): unknown {
  const shape = model.shapes[shapeName]
  if (!shape) return element.text
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {}
      for (const child of element.children) {
        const member = Object.entries(shape.members ?? {}).find(([name, m]) => (m.locationName ?? name) === child.name)
        out[child.name] = member ? fromXml(model, member[1].shape, child) : child.text
      }
      return out
    }
    case 'list':
      return element.children.map((child) => fromXml(model, (shape.member as Member).shape, child))
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      return element.text.trim() === '' ? element.text : Number(element.text)
    case 'boolean':
      return element.text === 'true' ? true : element.text === 'false' ? false : element.text
    default:
      return element.text
  }
}

/** The error code a response carries: `__type` (JSON protocols, possibly namespaced) or Lambda's `Type` header/body. */
function errorCode(exchange: Exchange): string {
  if (typeof exchange.body === 'string') return /<Code>([^<]*)<\/Code>/.exec(exchange.body)?.[1] ?? ''
  const body = isObject(exchange.body) ? exchange.body : {}
  const raw = String(exchange.headers['x-amzn-errortype'] ?? body['__type'] ?? body['Type'] ?? body['code'] ?? '')
  return raw.split(':')[0]?.split('#').at(-1) ?? raw
}

/** What is wrong with one response, judged by the service's published model; empty when it conforms. */
export function validateExchange(exchange: Exchange): string[] {
  const model = loadModel(exchange.service)
  if (!model) return []
  const op = model.operations[exchange.operation]
  const where = `${exchange.service}:${exchange.operation} (${exchange.status})`
  if (!op) return [`${where}: not an operation of the published API`]
  if (exchange.status >= 400) {
    const code = errorCode(exchange)
    if (COMMON_ERRORS.has(code)) return []
    const declared = (op.errors ?? []).map((e) => model.shapes[e.shape]?.error?.code ?? e.shape)
    // Lambda's throttle and service errors are declared by shape name.
    return declared.includes(code) ? [] : [`${where}: error ${code} is not one the operation declares (${declared.join(', ')})`]
  }
  if (typeof exchange.body === 'string' && exchange.body.startsWith('<?xml')) {
    // Query protocol: <OpResponse><OpResult>…</OpResult><ResponseMetadata/></OpResponse>.
    const response = parseXml(exchange.body)
    if (response.name !== `${exchange.operation}Response`) return [`${where}: root element ${response.name}, expected ${exchange.operation}Response`]
    if (!op.output) return []
    const result = response.children.find((c) => c.name === (op.output?.resultWrapper ?? `${exchange.operation}Result`))
    if (!result) return [`${where}: no ${op.output.resultWrapper ?? 'result'} element`]
    return validateShape(model, op.output.shape, fromXml(model, op.output.shape, result)).map((p) => `${where}: ${p}`)
  }
  if (exchange.body === undefined || typeof exchange.body === 'string') return []
  if (!op.output) return isObject(exchange.body) && Object.keys(exchange.body).length > 0 ? [`${where}: the operation has no output, got a body`] : []
  // What the client receives: JSON drops undefined members and renders Dates as ISO strings.
  const wire = JSON.parse(JSON.stringify(exchange.body)) as unknown
  return validateShape(model, op.output.shape, wire).map((p) => `${where}: ${p}`)
}

/** Collects every response the in-process emulators send, for a contract check at the end of a test file. */
export class ContractRecorder {
  readonly exchanges: Exchange[] = []
  readonly record = (exchange: Exchange): void => {
    this.exchanges.push(exchange)
  }

  /** Problems, each once with how often it was seen. */
  problems(): string[] {
    const counts = new Map<string, number>()
    for (const e of this.exchanges) for (const p of validateExchange(e)) counts.set(p, (counts.get(p) ?? 0) + 1)
    return [...counts].map(([p, n]) => (n > 1 ? `${p} ×${n}` : p))
  }

  operations(): string[] {
    return [...new Set(this.exchanges.filter((e) => MODELS[e.service]).map((e) => `${e.service}:${e.operation}`))].sort()
  }
}
