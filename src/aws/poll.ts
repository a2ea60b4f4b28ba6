import type { Clock } from '../core/clock.js'

export interface PollSettings {
  readonly clock: Clock
  /** Time between the end of one attempt and the start of the next. */
  readonly intervalMs: number
  /** No attempt starts after this much time has passed since the first. */
  readonly maxWaitMs: number
  /** Ends the poll at once, also in the middle of an attempt (whose own request the caller aborts). */
  readonly signal?: AbortSignal | undefined
}

export type Polled<T> =
  | { readonly kind: 'done'; readonly value: T; readonly attempts: number }
  | { readonly kind: 'timed-out'; readonly attempts: number; readonly waitedMs: number }
  | { readonly kind: 'aborted'; readonly attempts: number; readonly reason: string }

class Aborted extends Error {}

const reasonOf = (signal: AbortSignal): string => (signal.reason instanceof Error ? signal.reason.message : 'aborted')

/** Resolves with `promise`, or rejects with `Aborted` as soon as `signal` aborts. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) return Promise.reject(new Aborted())
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Aborted())
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(e instanceof Error ? e : new Error(String(e)))
      },
    )
  })
}

/**
 * Calls `attempt` every `intervalMs` until it returns a value (not `undefined`), `maxWaitMs` has
 * passed, or `signal` aborts. An error thrown by `attempt` ends the poll with that error (unless the
 * signal aborted meanwhile): the caller decides which errors are worth another attempt.
 */
export async function pollUntil<T>(settings: PollSettings, attempt: (n: number) => Promise<T | undefined>): Promise<Polled<T>> {
  const { clock, intervalMs, maxWaitMs, signal } = settings
  const started = clock.now()
  let attempts = 0
  for (;;) {
    if (signal?.aborted) return { kind: 'aborted', attempts, reason: reasonOf(signal) }
    let value: T | undefined
    try {
      value = await raceAbort(attempt(attempts), signal)
    } catch (error) {
      if (signal?.aborted) return { kind: 'aborted', attempts: attempts + 1, reason: reasonOf(signal) }
      throw error
    }
    attempts += 1
    if (value !== undefined) return { kind: 'done', value, attempts }
    const waited = clock.now() - started
    if (waited + intervalMs > maxWaitMs) return { kind: 'timed-out', attempts, waitedMs: waited }
    try {
      await clock.sleep(intervalMs, signal)
    } catch (error) {
      if (signal?.aborted) return { kind: 'aborted', attempts, reason: reasonOf(signal) }
      throw error
    }
  }
}

/** How long a wait took, for messages: "90 s", "12 min". */
export function describeWait(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`
}
