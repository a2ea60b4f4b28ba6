import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { ClientRequest } from 'node:http'

/** Node publishes each HTTP client request on this channel as it starts (its connection only begun). */
const REQUEST_START = 'http.client.request.start'

/**
 * Resolves once this process's next HTTP request is on its way, or once `settled` settles if that
 * comes first (a call that fails before sending anything). Lets a mode send its first AWS request
 * before it loads code it needs only later, and load that code during the request's round trip.
 */
export function requestSent(settled: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      unsubscribe(REQUEST_START, onStart)
      resolve()
    }
    // "Sent" is the request's `finish`: every byte handed to the OS. At `start` the connection may
    // still be opening, and code loaded then would hold the request back until it compiled.
    const onStart = (message: unknown): void => {
      const { request } = message as { request: ClientRequest }
      if (request.writableFinished) done()
      else request.once('finish', done).once('error', done)
    }
    subscribe(REQUEST_START, onStart)
    settled.then(done, done)
  })
}
