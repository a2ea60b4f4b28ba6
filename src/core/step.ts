import type { Log } from './log.js'

/**
 * What a mode runner hands back to the edge (src/action/), which writes it in the Actions runner's
 * protocol. Mode runners never touch that protocol, so each can be tested with fakes.
 */
export interface StepResult {
  /** Outputs by their action.yml names. */
  readonly outputs: Readonly<Record<string, string>>
  /** Markdown for the job summary. */
  readonly summary?: string
  /** Fails the step with this message (the step's one error annotation). */
  readonly failure?: string
  /** A notice annotation, for what needs a human's attention without failing the step (a hold). */
  readonly notice?: string
  /** The closing line of the log. */
  readonly conclusion?: string
  /** True once traffic is where this step meant to leave it: the post step then has nothing to do. */
  readonly settled?: boolean
}

/**
 * What a runner may do while it runs. Saved state and early outputs are written at once,
 * not with the result, because they must survive a kill mid-run.
 */
export interface StepContext {
  readonly log: Log
  /** Aborts on cancel (SIGINT/SIGTERM from the runner). */
  readonly signal: AbortSignal
  /** Reads one input by its action.yml name; '' when unset. */
  input(name: string): string
  /** Saved for the post step now (through GITHUB_STATE). */
  saveState(name: string, value: string): void
  /** Set now, before the result (e.g. `deployment-id` as soon as the deployment exists). */
  setOutput(name: string, value: string): void
  /**
   * Resolves once saved state and outputs reach the runner the moment they are set. The edge loads
   * its toolkit during the first AWS request and holds earlier calls until then; a runner awaits
   * this before its first write, so the post step's state is on disk before traffic moves.
   */
  ready?(): Promise<void>
}
