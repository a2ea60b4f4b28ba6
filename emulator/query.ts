// AWS query protocol: form-encoded requests (`A.member.1.B=x`) in, XML out.
import { randomUUID } from 'node:crypto'
import type { ApiResponse } from './http.js'

/** The operation of a query-protocol request for the API `version` (`Action=…&Version=…` in a POST body), else undefined. */
export function queryOperation(req: { method: string; body: string }, version: string): string | undefined {
  if (req.method !== 'POST') return undefined
  const params = new URLSearchParams(req.body)
  return params.get('Version') === version ? (params.get('Action') ?? undefined) : undefined
}

export type QueryValue = string | QueryValue[] | { [key: string]: QueryValue }
export type QueryObject = { [key: string]: QueryValue }

/**
 * Unflattens query parameters: `Tags.member.1.Key=a` becomes { Tags: [{ Key: 'a' }] }. Lists are
 * `member.N` (1-based, as the SDK sends them); an empty list is sent as `Name=` alone.
 */
export function parseQuery(body: string): QueryObject {
  const root: QueryObject = {}
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.split('.')
    let node: QueryObject | QueryValue[] = root
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string
      const last = i === parts.length - 1
      if (Array.isArray(node)) {
        const index = Number(part) - 1
        if (!Number.isInteger(index) || index < 0) break
        if (last) node[index] = value
        else {
          if (node[index] === undefined) node[index] = parts[i + 1] === 'member' ? [] : {}
          node = node[index] as QueryObject | QueryValue[]
        }
        continue
      }
      if (part === 'member' && i > 0) continue
      if (last) {
        // `Name=` for an empty list; otherwise a plain value.
        if (!(part in node)) node[part] = value
        continue
      }
      const listNext = parts[i + 1] === 'member'
      const existing: QueryValue | undefined = node[part]
      if (existing === undefined || typeof existing === 'string') node[part] = listNext ? [] : {}
      node = node[part] as QueryObject | QueryValue[]
      if (listNext) i += 1
    }
  }
  return root
}

const escapeXml = (text: string): string => text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c)

export type XmlValue = string | number | boolean | undefined | null | XmlValue[] | { [key: string]: XmlValue }

/** Query-protocol XML for a value: objects become elements, lists `<member>` elements. */
export function toXml(value: XmlValue): string {
  if (value === undefined || value === null) return ''
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join('')
  if (typeof value === 'object') {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('')
  }
  return escapeXml(String(value))
}

export function xmlResponse(action: string, namespace: string, result: { [key: string]: XmlValue }): ApiResponse {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="${namespace}">` +
    `<${action}Result>${toXml(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`
  return { status: 200, headers: { 'content-type': 'text/xml' }, body }
}

export function xmlError(status: number, code: string, message: string, namespace: string, headers: Record<string, string> = {}): ApiResponse {
  const type = status >= 500 ? 'Receiver' : 'Sender'
  const body =
    `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse xmlns="${namespace}"><Error><Type>${type}</Type>` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`
  return { status, headers: { 'content-type': 'text/xml', ...headers }, body }
}
