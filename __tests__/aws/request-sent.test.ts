// Alias mode loads its gates once its first AWS request is on its way (src/alias/deploy.ts).
import { channel } from 'node:diagnostics_channel'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { requestSent } from '../../src/aws/request-sent.js'

describe('requestSent', () => {
  it('resolves once a request has been sent, before its answer, and stops listening', async () => {
    const events: string[] = []
    // The server answers only when the test says so, after it has seen requestSent resolve.
    let arrived: (answer: () => void) => void = () => undefined
    const arrival = new Promise<() => void>((resolve) => {
      arrived = resolve
    })
    const server = createServer((_req, res) => arrived(() => res.end('ok')))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const neverSettles = new Promise<never>(() => undefined)
      const sent = requestSent(neverSettles).then(() => events.push('sent'))
      const { port } = server.address() as AddressInfo
      const answered = new Promise<void>((resolve) => {
        request({ host: '127.0.0.1', port, path: '/' }, (res) => {
          res.resume()
          res.on('end', () => {
            events.push('answered')
            resolve()
          })
        }).end()
      })
      await sent
      ;(await arrival)()
      await answered
      expect(events).toEqual(['sent', 'answered'])
      expect(channel('http.client.request.start').hasSubscribers).toBe(false)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })

  it('resolves when the call fails before sending anything, so nothing waits forever', async () => {
    const failed = Promise.reject(new Error('no credentials'))
    failed.catch(() => undefined)
    await expect(requestSent(failed)).resolves.toBeUndefined()
    expect(channel('http.client.request.start').hasSubscribers).toBe(false)
  })
})
