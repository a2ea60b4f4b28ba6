// Lambda (restJson1): functions, published versions and weighted aliases.
import { createHash, randomUUID } from 'node:crypto'
import { ACCOUNT_ID, REGION, parseJsonBody, type ApiRequest, type ApiResponse } from '../http.js'
import { ApiError, type EmulatedService } from '../service.js'

export type Weights = Record<string, number>

export interface LambdaVersion {
  version: string
  description: string
  /** Execution role and dead-letter target, as published (a version's configuration never changes). */
  role: string
  deadLetterTargetArn: string | undefined
  codeSha256: string
  lastModified: string
  revisionId: string
}

export interface LambdaAlias {
  name: string
  functionVersion: string
  description: string
  weights: Weights
  revisionId: string
  /** The alias as it was before the last write, served by GetAlias while `staleReadsLeft` > 0. */
  previous?: LambdaAlias
  staleReadsLeft?: number
}

export interface LambdaFunction {
  name: string
  /** $LATEST's role and dead-letter target; PublishVersion copies them into the version. */
  role: string
  deadLetterTargetArn: string | undefined
  runtime: string
  handler: string
  /** Includes '$LATEST' plus published '1', '2', ... */
  versions: Map<string, LambdaVersion>
  lastPublished: number
  aliases: Map<string, LambdaAlias>
}

export interface AliasHistoryEntry {
  at: number
  function: string
  alias: string
  action: 'create' | 'update' | 'delete'
  functionVersion: string
  weights: Weights
  revisionId: string
  /** null when the change came from the emulator's seeding/control API. */
  accessKeyId: string | null
}

const API = '2015-03-31'

export const functionArn = (name: string, qualifier?: string): string =>
  `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}${qualifier === undefined ? '' : `:${qualifier}`}`

/** Accepts NAME, NAME:QUAL, ACCOUNT:function:NAME[:QUAL] or a full ARN, as Lambda does. */
export function parseFunctionName(raw: string): { name: string; qualifier?: string } {
  const parts = raw.split(':')
  let rest = parts
  if (parts[0] === 'arn' && parts.length >= 7) rest = parts.slice(6)
  else if (parts.length >= 3 && parts[1] === 'function') rest = parts.slice(2)
  const [name = '', qualifier] = rest
  return qualifier === undefined ? { name } : { name, qualifier }
}

const nowIso = (): string => new Date().toISOString().replace('Z', '+0000')

const notFoundFn = (name: string, qualifier?: string): ApiError =>
  new ApiError(404, 'ResourceNotFoundException', `Function not found: ${functionArn(name, qualifier)}`)
const invalid = (message: string): ApiError => new ApiError(400, 'InvalidParameterValueException', message)

/** The model's length limit on Description (shape `Description`: min 0, max 256). */
export const DESCRIPTION_MAX = 256

/**
 * Lambda checks the model's constraints before the operation runs and answers with the
 * framework's ValidationException (not listed among the operation's errors in the model).
 * Length counts characters (code points), not UTF-16 units.
 */
function checkDescription(description: string | undefined): void {
  if (description === undefined || [...description].length <= DESCRIPTION_MAX) return
  throw new ApiError(
    400,
    'ValidationException',
    `1 validation error detected: Value '${description}' at 'description' failed to satisfy constraint: Member must have length less than or equal to ${DESCRIPTION_MAX}`,
  )
}

export class LambdaState {
  readonly functions = new Map<string, LambdaFunction>()
  readonly history: AliasHistoryEntry[] = []
  /**
   * How many GetAlias calls after each write still see the alias as it was before it (0: none).
   * AWS documents no such lag for aliases; the switch proves the action never relies on a read
   * agreeing with its own last write.
   */
  staleReadsAfterWrite = 0

  reset(): void {
    this.functions.clear()
    this.history.length = 0
    this.staleReadsAfterWrite = 0
  }

  getFunction(name: string): LambdaFunction {
    const fn = this.functions.get(name)
    if (!fn) throw notFoundFn(name)
    return fn
  }

  createFunction(name: string, opts: { role?: string; runtime?: string; handler?: string; description?: string } = {}): LambdaFunction {
    if (!/^[a-zA-Z0-9-_]{1,64}$/.test(name)) throw invalid(`Invalid function name: ${name}`)
    if (this.functions.has(name)) {
      throw new ApiError(409, 'ResourceConflictException', `Function already exist: ${name}`)
    }
    const fn: LambdaFunction = {
      name,
      role: opts.role ?? `arn:aws:iam::${ACCOUNT_ID}:role/${name}-role`,
      deadLetterTargetArn: undefined,
      runtime: opts.runtime ?? 'nodejs20.x',
      handler: opts.handler ?? 'index.handler',
      versions: new Map(),
      lastPublished: 0,
      aliases: new Map(),
    }
    fn.versions.set('$LATEST', {
      version: '$LATEST',
      description: opts.description ?? '',
      role: fn.role,
      deadLetterTargetArn: undefined,
      codeSha256: createHash('sha256').update(name).digest('base64'),
      lastModified: nowIso(),
      revisionId: randomUUID(),
    })
    this.functions.set(name, fn)
    return fn
  }

  /** Always publishes a new version: the emulator has no code to compare, unlike real Lambda. */
  publishVersion(name: string, description?: string): LambdaVersion {
    const fn = this.getFunction(name)
    const latest = fn.versions.get('$LATEST')
    if (!latest) throw notFoundFn(name)
    fn.lastPublished += 1
    const v: LambdaVersion = {
      ...latest,
      role: fn.role,
      deadLetterTargetArn: fn.deadLetterTargetArn,
      version: String(fn.lastPublished),
      description: description ?? latest.description,
      lastModified: nowIso(),
      revisionId: randomUUID(),
    }
    fn.versions.set(v.version, v)
    return v
  }

  /** UpdateFunctionConfiguration's Role and DeadLetterConfig: they change $LATEST only. */
  updateConfiguration(name: string, input: { role?: string; deadLetterTargetArn?: string }): LambdaVersion {
    const fn = this.getFunction(name)
    const latest = fn.versions.get('$LATEST')
    if (!latest) throw notFoundFn(name)
    if (input.role !== undefined) fn.role = input.role
    // An empty TargetArn removes the dead-letter queue, as in Lambda.
    if (input.deadLetterTargetArn !== undefined) fn.deadLetterTargetArn = input.deadLetterTargetArn === '' ? undefined : input.deadLetterTargetArn
    latest.role = fn.role
    latest.deadLetterTargetArn = fn.deadLetterTargetArn
    latest.lastModified = nowIso()
    latest.revisionId = randomUUID()
    return latest
  }

  /** GetAlias as a client sees it: right after a write, possibly the alias as it was (see staleReadsAfterWrite). */
  readAlias(fnName: string, aliasName: string): LambdaAlias {
    const alias = this.getAlias(fnName, aliasName)
    if (alias.previous && (alias.staleReadsLeft ?? 0) > 0) {
      alias.staleReadsLeft = (alias.staleReadsLeft ?? 0) - 1
      return alias.previous
    }
    return alias
  }

  /** Resolves a version number or alias name to a version record. */
  resolveQualifier(fn: LambdaFunction, qualifier: string | undefined): LambdaVersion {
    const q = qualifier ?? '$LATEST'
    const alias = fn.aliases.get(q)
    const v = fn.versions.get(alias ? alias.functionVersion : q)
    if (!v) throw notFoundFn(fn.name, q)
    return v
  }

  getAlias(fnName: string, aliasName: string): LambdaAlias {
    const alias = this.getFunction(fnName).aliases.get(aliasName)
    if (!alias) {
      throw new ApiError(404, 'ResourceNotFoundException', `Alias not found: ${functionArn(fnName, aliasName)}`)
    }
    return alias
  }

  createAlias(
    fnName: string,
    input: { name: string; functionVersion: string; description?: string; weights?: Weights },
    accessKeyId: string | null,
  ): LambdaAlias {
    const fn = this.getFunction(fnName)
    if (!/^(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}$/.test(input.name)) throw invalid(`Invalid alias name: ${input.name}`)
    if (fn.aliases.has(input.name)) {
      throw new ApiError(409, 'ResourceConflictException', `Alias already exists: ${functionArn(fnName, input.name)}`)
    }
    const weights = input.weights ?? {}
    checkDescription(input.description)
    this.validateRouting(fn, input.functionVersion, weights)
    const alias: LambdaAlias = {
      name: input.name,
      functionVersion: input.functionVersion,
      description: input.description ?? '',
      weights: { ...weights },
      revisionId: randomUUID(),
    }
    fn.aliases.set(alias.name, alias)
    this.record(fnName, alias, 'create', accessKeyId)
    return alias
  }

  /** Undefined fields are left unchanged, matching UpdateAlias semantics. */
  updateAlias(
    fnName: string,
    aliasName: string,
    input: { functionVersion?: string; description?: string; weights?: Weights; revisionId?: string },
    accessKeyId: string | null,
  ): LambdaAlias {
    const fn = this.getFunction(fnName)
    const alias = this.getAlias(fnName, aliasName)
    if (input.revisionId !== undefined && input.revisionId !== alias.revisionId) {
      throw new ApiError(
        412,
        'PreconditionFailedException',
        'The Revision Id provided does not match the latest Revision Id. Call the GetAlias API to retrieve the latest Revision Id',
      )
    }
    const functionVersion = input.functionVersion ?? alias.functionVersion
    const weights = input.weights ?? alias.weights
    checkDescription(input.description)
    this.validateRouting(fn, functionVersion, weights)
    const { previous: _older, staleReadsLeft: _left, ...before } = alias
    alias.previous = { ...before, weights: { ...before.weights } }
    alias.staleReadsLeft = accessKeyId === null ? 0 : this.staleReadsAfterWrite
    alias.functionVersion = functionVersion
    alias.weights = { ...weights }
    if (input.description !== undefined) alias.description = input.description
    alias.revisionId = randomUUID()
    this.record(fnName, alias, 'update', accessKeyId)
    return alias
  }

  deleteAlias(fnName: string, aliasName: string, accessKeyId: string | null): void {
    const fn = this.getFunction(fnName)
    const alias = fn.aliases.get(aliasName)
    // Lambda's DeleteAlias is idempotent: deleting a missing alias succeeds.
    if (!alias) return
    fn.aliases.delete(aliasName)
    this.record(fnName, alias, 'delete', accessKeyId)
  }

  private validateRouting(fn: LambdaFunction, functionVersion: string, weights: Weights): void {
    if (!fn.versions.has(functionVersion)) throw notFoundFn(fn.name, functionVersion)
    const entries = Object.entries(weights)
    if (entries.length === 0) return
    if (functionVersion === '$LATEST') {
      throw invalid('$LATEST is not supported for an alias pointing to more than 1 version')
    }
    if (entries.length > 1) {
      throw invalid(`RoutingConfig.AdditionalVersionWeights supports at most 1 additional version, got ${entries.length}`)
    }
    const [version, weight] = entries[0] as [string, number]
    if (!/^[0-9]+$/.test(version)) {
      throw invalid(`Additional version ${version} must be a published version, not ${version === '$LATEST' ? '$LATEST' : 'an alias or other qualifier'}`)
    }
    if (!fn.versions.has(version)) throw notFoundFn(fn.name, version)
    if (version === functionVersion) {
      throw invalid(`Invalid function version ${version}. Function version ${version} is already included in routing configuration.`)
    }
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0 || weight > 1) {
      throw invalid(`Invalid weight ${String(weight)} for version ${version}: must be a number between 0.0 and 1.0`)
    }
    // Lambda's documented rule for weighted aliases: both versions share the execution role and
    // the dead-letter queue configuration. The exact error wording is not published; this one
    // names what differs, like Lambda's other InvalidParameterValueException messages.
    const primary = fn.versions.get(functionVersion)
    const additional = fn.versions.get(version)
    if (primary && additional && primary.role !== additional.role) {
      throw invalid(`Function versions ${functionVersion} and ${version} must have the same execution role to be routed by one alias`)
    }
    if (primary && additional && primary.deadLetterTargetArn !== additional.deadLetterTargetArn) {
      throw invalid(`Function versions ${functionVersion} and ${version} must have the same dead-letter queue configuration to be routed by one alias`)
    }
  }

  private record(fnName: string, alias: LambdaAlias, action: AliasHistoryEntry['action'], accessKeyId: string | null): void {
    this.history.push({
      at: Date.now(),
      function: fnName,
      alias: alias.name,
      action,
      functionVersion: alias.functionVersion,
      weights: { ...alias.weights },
      revisionId: alias.revisionId,
      accessKeyId,
    })
  }
}

// ---- wire format ----

export function aliasJson(fnName: string, a: LambdaAlias): Record<string, unknown> {
  const out: Record<string, unknown> = {
    AliasArn: functionArn(fnName, a.name),
    Name: a.name,
    FunctionVersion: a.functionVersion,
    Description: a.description,
    RevisionId: a.revisionId,
  }
  // Lambda omits RoutingConfig entirely when there are no additional weights.
  if (Object.keys(a.weights).length > 0) out.RoutingConfig = { AdditionalVersionWeights: { ...a.weights } }
  return out
}

function configJson(fn: LambdaFunction, v: LambdaVersion): Record<string, unknown> {
  return {
    FunctionName: fn.name,
    FunctionArn: functionArn(fn.name, v.version),
    Runtime: fn.runtime,
    Role: v.role,
    Handler: fn.handler,
    CodeSize: 1024,
    Description: v.description,
    Timeout: 3,
    MemorySize: 128,
    LastModified: v.lastModified,
    CodeSha256: v.codeSha256,
    Version: v.version,
    RevisionId: v.revisionId,
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: ['x86_64'],
    ...(v.deadLetterTargetArn !== undefined && { DeadLetterConfig: { TargetArn: v.deadLetterTargetArn } }),
  }
}

function lambdaError(status: number, code: string, message: string, headers: Record<string, string> = {}): ApiResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': code, ...headers },
    // Lambda models use `message` on some errors and `Message` on others; send both.
    body: { Type: status >= 500 ? 'Service' : 'User', message, Message: message },
  }
}

function str(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw invalid(`${key} must be a string`)
  return v
}

/** `{}` or `{AdditionalVersionWeights:{}}` clear routing; absent RoutingConfig means "unchanged". */
function weightsFrom(body: Record<string, unknown>): Weights | undefined {
  const rc = body.RoutingConfig
  if (rc === undefined || rc === null) return undefined
  if (typeof rc !== 'object') throw invalid('RoutingConfig must be an object')
  const w = (rc as Record<string, unknown>).AdditionalVersionWeights
  if (w === undefined || w === null) return {}
  if (typeof w !== 'object' || Array.isArray(w)) throw invalid('AdditionalVersionWeights must be a map')
  return w as Weights
}

function paginate<T>(items: T[], req: ApiRequest): { page: T[]; next?: string } {
  const start = Number(req.query.get('Marker') ?? '0') || 0
  const max = Math.min(Number(req.query.get('MaxItems') ?? '50') || 50, 10_000)
  const page = items.slice(start, start + max)
  return start + max < items.length ? { page, next: String(start + max) } : { page }
}

function route(req: ApiRequest): string | undefined {
  const s = req.segments
  if (s[0] !== API || s[1] !== 'functions') return undefined
  const m = req.method
  if (s.length === 2) return m === 'POST' ? 'CreateFunction' : m === 'GET' ? 'ListFunctions' : undefined
  if (s.length === 3) return m === 'GET' ? 'GetFunction' : m === 'DELETE' ? 'DeleteFunction' : undefined
  const sub = s[3]
  if (s.length === 4) {
    if (sub === 'configuration' && m === 'GET') return 'GetFunctionConfiguration'
    if (sub === 'configuration' && m === 'PUT') return 'UpdateFunctionConfiguration'
    if (sub === 'versions') return m === 'POST' ? 'PublishVersion' : m === 'GET' ? 'ListVersionsByFunction' : undefined
    if (sub === 'aliases') return m === 'POST' ? 'CreateAlias' : m === 'GET' ? 'ListAliases' : undefined
    return undefined
  }
  if (s.length === 5 && sub === 'aliases') {
    return m === 'GET' ? 'GetAlias' : m === 'PUT' ? 'UpdateAlias' : m === 'DELETE' ? 'DeleteAlias' : undefined
  }
  return undefined
}

export function createLambdaService(state: LambdaState): EmulatedService {
  return {
    name: 'lambda',
    iamPrefix: 'lambda',
    throttle: { status: 429, code: 'TooManyRequestsException', retryAfterHeader: true },
    // Calls naming a qualifier (an alias's path, ?Qualifier=) authorize against the qualified ARN, as in
    // Lambda's service authorization reference; others against the function's.
    resourceArn: (req) => {
      const { name, qualifier } = parseFunctionName(req.segments[2] ?? '*')
      const q = req.segments[3] === 'aliases' && req.segments[4] !== undefined ? req.segments[4] : (req.query.get('Qualifier') ?? qualifier)
      return functionArn(name, q ?? undefined)
    },
    accessDeniedCode: 'AccessDeniedException',
    match: route,
    error: lambdaError,
    reset: () => state.reset(),
    handle(op, req) {
      const body = req.method === 'POST' || req.method === 'PUT' ? parseJsonBody(req) : {}
      const key = req.accessKeyId ?? null
      if (op === 'CreateFunction') {
        const name = str(body, 'FunctionName')
        if (!name) throw invalid('FunctionName is required')
        const role = str(body, 'Role')
        const runtime = str(body, 'Runtime')
        const handler = str(body, 'Handler')
        const description = str(body, 'Description')
        const fn = state.createFunction(parseFunctionName(name).name, {
          ...(role !== undefined && { role }),
          ...(runtime !== undefined && { runtime }),
          ...(handler !== undefined && { handler }),
          ...(description !== undefined && { description }),
        })
        if (body.Publish === true) state.publishVersion(fn.name)
        return { status: 201, body: configJson(fn, state.resolveQualifier(fn, undefined)) }
      }
      if (op === 'ListFunctions') {
        const all = [...state.functions.values()].map((f) => configJson(f, state.resolveQualifier(f, undefined)))
        const { page, next } = paginate(all, req)
        return { status: 200, body: { Functions: page, ...(next !== undefined && { NextMarker: next }) } }
      }

      const ref = parseFunctionName(req.segments[2] ?? '')
      const queryQualifier = req.query.get('Qualifier') ?? undefined
      if (ref.qualifier !== undefined && queryQualifier !== undefined && ref.qualifier !== queryQualifier) {
        throw invalid('The derived qualifier from the function name does not match the specified qualifier.')
      }
      const qualifier = queryQualifier ?? ref.qualifier
      const fn = state.getFunction(ref.name)
      const aliasName = req.segments[4] ?? ''

      switch (op) {
        case 'GetFunction':
          return {
            status: 200,
            body: {
              Configuration: configJson(fn, state.resolveQualifier(fn, qualifier)),
              Code: { RepositoryType: 'S3', Location: `https://awslambda-${REGION}-tasks.s3.amazonaws.com/snapshots/${ACCOUNT_ID}/${fn.name}` },
            },
          }
        case 'GetFunctionConfiguration': {
          const cfg = configJson(fn, state.resolveQualifier(fn, qualifier))
          // Invoked through an alias, Lambda reports the alias-qualified ARN.
          if (qualifier !== undefined && fn.aliases.has(qualifier)) cfg.FunctionArn = functionArn(fn.name, qualifier)
          return { status: 200, body: cfg }
        }
        case 'UpdateFunctionConfiguration': {
          const role = str(body, 'Role')
          const dlq = body.DeadLetterConfig
          const target = dlq !== null && typeof dlq === 'object' ? str(dlq as Record<string, unknown>, 'TargetArn') : undefined
          const latest = state.updateConfiguration(fn.name, {
            ...(role !== undefined && { role }),
            ...(dlq !== undefined && { deadLetterTargetArn: target ?? '' }),
          })
          return { status: 200, body: configJson(fn, latest) }
        }
        case 'DeleteFunction':
          state.functions.delete(fn.name)
          return { status: 204 }
        case 'PublishVersion':
          return { status: 201, body: configJson(fn, state.publishVersion(fn.name, str(body, 'Description'))) }
        case 'ListVersionsByFunction': {
          const all = [...fn.versions.values()].map((v) => configJson(fn, v))
          const { page, next } = paginate(all, req)
          return { status: 200, body: { Versions: page, ...(next !== undefined && { NextMarker: next }) } }
        }
        case 'CreateAlias': {
          const name = str(body, 'Name')
          const functionVersion = str(body, 'FunctionVersion')
          if (!name) throw invalid('Name is required')
          if (!functionVersion) throw invalid('FunctionVersion is required')
          const description = str(body, 'Description')
          const weights = weightsFrom(body)
          const alias = state.createAlias(
            fn.name,
            { name, functionVersion, ...(description !== undefined && { description }), ...(weights && { weights }) },
            key,
          )
          return { status: 201, body: aliasJson(fn.name, alias) }
        }
        case 'ListAliases': {
          const fv = req.query.get('FunctionVersion')
          const all = [...fn.aliases.values()].filter((a) => fv === null || a.functionVersion === fv).map((a) => aliasJson(fn.name, a))
          const { page, next } = paginate(all, req)
          return { status: 200, body: { Aliases: page, ...(next !== undefined && { NextMarker: next }) } }
        }
        case 'GetAlias':
          return { status: 200, body: aliasJson(fn.name, state.readAlias(fn.name, aliasName)) }
        case 'UpdateAlias': {
          const functionVersion = str(body, 'FunctionVersion')
          const description = str(body, 'Description')
          const revisionId = str(body, 'RevisionId')
          const weights = weightsFrom(body)
          const alias = state.updateAlias(
            fn.name,
            aliasName,
            {
              ...(functionVersion !== undefined && { functionVersion }),
              ...(description !== undefined && { description }),
              ...(revisionId !== undefined && { revisionId }),
              ...(weights && { weights }),
            },
            key,
          )
          return { status: 200, body: aliasJson(fn.name, alias) }
        }
        case 'DeleteAlias':
          state.deleteAlias(fn.name, aliasName, key)
          return { status: 204 }
        default:
          throw new ApiError(400, 'InvalidRequestContentException', `Unsupported operation ${op}`)
      }
    },
  }
}
