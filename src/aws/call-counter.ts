interface Counted {
  middlewareStack: { add(middleware: unknown, options: { step: 'initialize'; name: string }): void }
}

/** Counts every request a client sends (before retries) into `counter`, for "API calls per poll". */
export function countCalls<T extends Counted>(client: T, counter: { n: number }): T {
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      counter.n += 1
      return next(args)
    },
    { step: 'initialize', name: 'canaryCallCounter' },
  )
  return client
}
