/**
 * A loopback HTTP proxy in front of the emulator that can lose a response AFTER the emulator
 * has applied the request: the fault the emulator's own dropRate cannot make (it drops before
 * the request reaches the service). This is what a connection reset or a client-side timeout
 * after a committed write looks like to the SDK, which then retries the same request.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ProxiedRequest {
  readonly method: string
  readonly path: string
  readonly body: string
}

export interface LossyProxy {
  readonly url: string
  /** Requests whose response was dropped after the upstream answered, with the upstream status. */
  readonly dropped: { request: ProxiedRequest; status: number }[]
  close(): Promise<void>
}

/**
 * `dropResponse` decides, per request (after the upstream processed it), whether the client
 * gets the response or a reset connection.
 */
export async function startLossyProxy(upstream: string, dropResponse: (req: ProxiedRequest, upstreamStatus: number) => boolean): Promise<LossyProxy> {
  const target = new URL(upstream)
  const dropped: LossyProxy['dropped'] = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const proxied: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', body: body.toString('utf8') }
      const upstreamReq = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (upstreamRes) => {
          const out: Buffer[] = []
          upstreamRes.on('data', (chunk: Buffer) => out.push(chunk))
          upstreamRes.on('end', () => {
            const status = upstreamRes.statusCode ?? 502
            if (dropResponse(proxied, status)) {
              dropped.push({ request: proxied, status })
              req.socket.destroy()
              return
            }
            res.writeHead(status, upstreamRes.headers)
            res.end(Buffer.concat(out))
          })
        },
      )
      upstreamReq.on('error', () => req.socket.destroy())
      upstreamReq.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    dropped,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
