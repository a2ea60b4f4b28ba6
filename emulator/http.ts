// Protocol-neutral request/response shapes so service handlers stay pure and testable.
import type { IncomingHttpHeaders } from 'node:http'

export type ServiceName = 'lambda' | 'cloudwatch' | 'codedeploy' | 'elbv2' | 'ecs' | 'sts' | 'iam'

export interface ApiRequest {
  method: string
  /** Path split into URL-decoded segments (empty segments dropped). */
  segments: string[]
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: string
  /** Access key id from the SigV4 Authorization header, if signed. */
  accessKeyId: string | undefined
}

export interface ApiResponse {
  status: number
  headers?: Record<string, string>
  /** Serialised as JSON unless undefined (empty body); a string (query-protocol XML) is sent as is. */
  body?: unknown
}

export function header(req: ApiRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()]
  return Array.isArray(v) ? v[0] : v
}

/** SigV4: `AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, ...`. */
export function accessKeyIdFrom(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization
  const m = typeof auth === 'string' ? /Credential=([^/,\s]+)\//.exec(auth) : null
  return m?.[1]
}

/** JSON body, or {} when empty; throws SyntaxError on malformed JSON. */
export function parseJsonBody(req: ApiRequest): Record<string, unknown> {
  if (req.body.trim() === '') return {}
  const v: unknown = JSON.parse(req.body)
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {}
}

export const ACCOUNT_ID = '123456789012'
export const REGION = 'us-east-1'
