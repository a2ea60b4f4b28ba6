// Contract every emulated AWS service implements; the router and fault layer only see this.
import type { ApiRequest, ApiResponse, ServiceName } from './http.js'

export interface EmulatedService {
  readonly name: ServiceName
  /** IAM action prefix, e.g. 'lambda' for 'lambda:GetAlias'. */
  readonly iamPrefix: string
  /** Operation name if this request belongs to the service, else undefined. */
  match(req: ApiRequest): string | undefined
  handle(operation: string, req: ApiRequest): ApiResponse
  /** Error in this service's wire format. */
  error(status: number, code: string, message: string, headers?: Record<string, string>): ApiResponse
  /** The service's real throttling error (status/code), so SDK retry classification matches AWS. */
  readonly throttle: { status: number; code: string; retryAfterHeader?: boolean }
  /** Resource named in AccessDenied messages. */
  resourceArn(req: ApiRequest): string
  readonly accessDeniedCode: string
  /** Operations AWS authorises for every caller, which no policy can deny (sts:GetCallerIdentity). */
  needsNoPermission?(operation: string): boolean
  reset(): void
}

/** awsJson1_x services (CloudWatch, CodeDeploy) share target-header routing and error shape. */
export function jsonRpcOperation(req: ApiRequest, targetPrefix: string): string | undefined {
  const target = req.headers['x-amz-target']
  if (req.method !== 'POST' || typeof target !== 'string') return undefined
  return target.startsWith(`${targetPrefix}.`) ? target.slice(targetPrefix.length + 1) : undefined
}

/**
 * awsJson error. With awsQueryCompatible the SDK takes the code from `x-amzn-query-error`
 * (`Code;Sender|Receiver`) before `__type`, so both carry the query-style code.
 */
export function jsonRpcError(status: number, code: string, message: string, queryCompatible: boolean, headers: Record<string, string> = {}): ApiResponse {
  const h: Record<string, string> = { 'content-type': 'application/x-amz-json-1.0', ...headers }
  if (queryCompatible) h['x-amzn-query-error'] = `${code};${status >= 500 ? 'Receiver' : 'Sender'}`
  return { status, headers: h, body: { __type: code, message } }
}

/** Thrown inside handlers; converted to the service's error format by the router. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}
