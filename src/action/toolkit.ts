/**
 * The runner's protocol, spoken by @actions/core (the Actions toolkit) and by nothing else.
 *
 * The toolkit loads lazily, once the step's first AWS request is on its way (src/action/main.ts),
 * not at start-up: importing it also evaluates its OIDC client and, with it, the undici HTTP client,
 * 40 to 80 ms of CPU that would otherwise come before the first request (RELIABILITY.md, start-up).
 * Until it has loaded, each call below waits in a queue and runs, in order, as soon as it has; so
 * the token's mask, the first call main makes, still reaches the runner before any other line.
 *
 * The one thing needed before then is the inputs: the first request is built from them. They are
 * read as the toolkit's own `getInput` reads them (the runner passes each as `INPUT_<NAME>`);
 * __tests__/action/toolkit.test.ts holds the two to the same answers, and once the toolkit is
 * loaded every read goes through it.
 */
import type * as Toolkit from '@actions/core'

type Core = typeof Toolkit

let core: Core | undefined
let loading: Promise<Core> | undefined
const pending: ((toolkit: Core) => void)[] = []

/** Loads the toolkit (once), then runs every call that waited for it, in order. */
export function loadToolkit(): Promise<Core> {
  loading ??= import('@actions/core').then((toolkit) => {
    // A call made while the queue drains joins its end, so the order holds.
    for (let call = pending.shift(); call !== undefined; call = pending.shift()) call(toolkit)
    core = toolkit
    return toolkit
  })
  return loading
}

function withToolkit(call: (toolkit: Core) => void): void {
  if (core) call(core)
  else pending.push(call)
}

/** An input by its action.yml name, trimmed, '' when unset: the toolkit's `getInput` once loaded, its rule until then. */
export function getInput(name: string): string {
  if (core) return core.getInput(name)
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()
}

export const runner = {
  setSecret: (value: string): void => withToolkit((toolkit) => toolkit.setSecret(value)),
  saveState: (name: string, value: string): void => withToolkit((toolkit) => toolkit.saveState(name, value)),
  setOutput: (name: string, value: string): void => withToolkit((toolkit) => toolkit.setOutput(name, value)),
  info: (message: string): void => withToolkit((toolkit) => toolkit.info(message)),
  warning: (message: string): void => withToolkit((toolkit) => toolkit.warning(message)),
  error: (message: string): void => withToolkit((toolkit) => toolkit.error(message)),
  notice: (message: string): void => withToolkit((toolkit) => toolkit.notice(message)),
  startGroup: (name: string): void => withToolkit((toolkit) => toolkit.startGroup(name)),
  endGroup: (): void => withToolkit((toolkit) => toolkit.endGroup()),
  /** Exit code 1 once the process ends, and the message as the step's error annotation. */
  setFailed: (message: string): void => withToolkit((toolkit) => toolkit.setFailed(message)),
}

/** Appends Markdown to the job summary; rejects when the runner gives no summary file. */
export async function appendSummary(markdown: string): Promise<void> {
  const { summary } = await loadToolkit()
  try {
    await summary.addRaw(markdown).write()
  } finally {
    summary.emptyBuffer()
  }
}

/** Saved state from main, for the post step ('' when unset). */
export async function getState(name: string): Promise<string> {
  return (await loadToolkit()).getState(name)
}
