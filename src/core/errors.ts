/** A bad input, caught before any AWS write. The message quotes the offending value. */
export class InputError extends Error {
  override name = 'InputError'
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(`Input ${input}: ${message}`)
  }
}

/** The live resource is not in a state this rollout may touch (another rollout owns it, or it changed under us). */
export class OwnershipError extends Error {
  override name = 'OwnershipError'
}

/** A write landed but reading it back showed something else. */
export class VerificationError extends Error {
  override name = 'VerificationError'
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}

/** The rollout cannot start, for a reason found before any write. */
export class RefusalError extends Error {
  override name = 'RefusalError'
}
