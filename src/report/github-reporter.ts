/**
 * GitHub-side reporting of a rollout's progress: commit statuses or a deployment with statuses.
 *
 * Reporting is best-effort. A failing GitHub API never fails, slows much, or blocks a rollout:
 * `report()` never throws, each call has a timeout, and after a permanent failure (401, 403, 404,
 * 422) the reporter warns once and goes quiet for the rest of the run.
 *
 * The token never reaches the log: no message built here contains it (every message is also
 * passed through a redaction of the token's value, in case an API message echoes it), no error
 * object or request/response headers are ever printed, and Octokit's own logger is routed through
 * the same redaction. The edge (src/action/main.ts) masks the token with `core.setSecret` before anything is logged.
 */
import type { getOctokit } from '@actions/github'

import type { GitHubStatusMode } from '../core/inputs.js'

export type { GitHubStatusMode }

type Octokit = ReturnType<typeof getOctokit>

export interface RolloutProgress {
  readonly state: 'pending' | 'in_progress' | 'success' | 'failure'
  /** One line, e.g. "stage 2/3: 50% on version 7" or "rolled back: alarm orders-errors". */
  readonly description: string
}

export interface Reporter {
  /** Sends one progress update. Never throws; failures become warnings. Calls are sent in order. */
  report(progress: RolloutProgress): Promise<void>
  /** The link to this workflow run, or '' outside Actions. */
  readonly runUrl: string
}

export interface ReporterLog {
  info(message: string): void
  warning(message: string): void
}

export interface ReporterOptions {
  readonly mode: GitHubStatusMode
  /** The token (usually `${{ github.token }}`). Never logged. */
  readonly token: string
  /** GitHub deployment environment name, e.g. "production" (deployment mode). */
  readonly environment: string
  /** Commit status context, e.g. "canary/orders-api:live" (commit mode). */
  readonly context: string
  readonly log: ReporterLog
  /** Defaults to process.env: GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_SERVER_URL, GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT. */
  readonly env?: NodeJS.ProcessEnv
  /** Deployment mode: sets production_environment; left to GitHub's default (true only for "production") when omitted. */
  readonly productionEnvironment?: boolean
  /** Per-request timeout. Default 10 s. */
  readonly timeoutMs?: number
}

/** GitHub rejects status and deployment descriptions longer than this (in characters). */
export const DESCRIPTION_LIMIT = 140

export const DEFAULT_TIMEOUT_MS = 10_000

/** The `permissions:` entry the workflow's job needs for each mode. */
export const REQUIRED_PERMISSION: Readonly<Record<Exclude<GitHubStatusMode, 'none'>, string>> = {
  commit: 'statuses: write',
  deployment: 'deployments: write',
}

/** Consecutive transient failures (5xx, network, timeout) after which reporting stops. */
const MAX_TRANSIENT_FAILURES = 3

/** Shortens to at most `limit` characters (code points, so no surrogate pair is split), ending with an ellipsis when cut. */
export function truncateDescription(text: string, limit: number = DESCRIPTION_LIMIT): string {
  const oneLine = text.replace(/\s+/g, ' ').trim()
  const chars = Array.from(oneLine)
  if (chars.length <= limit) return oneLine
  return `${chars
    .slice(0, Math.max(0, limit - 1))
    .join('')
    .trimEnd()}…`
}

/**
 * The URL of this workflow run: `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`,
 * plus `/attempts/${GITHUB_RUN_ATTEMPT}` on a re-run (attempt > 1). '' when the repository or run id is unknown.
 */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string {
  const repository = env['GITHUB_REPOSITORY']?.trim()
  const runId = env['GITHUB_RUN_ID']?.trim()
  if (!repository || !runId) return ''
  const server = (env['GITHUB_SERVER_URL']?.trim() || 'https://github.com').replace(/\/+$/, '')
  const base = `${server}/${repository}/actions/runs/${runId}`
  const attempt = Number(env['GITHUB_RUN_ATTEMPT'] ?? '')
  return Number.isInteger(attempt) && attempt > 1 ? `${base}/attempts/${attempt}` : base
}

function noopReporter(url: string): Reporter {
  return { runUrl: url, report: async () => {} }
}

interface RequestFailure {
  readonly status: number | undefined
  readonly message: string
}

/** Status and GitHub's own message from an Octokit RequestError (or a network error), and nothing else: no headers, no request. */
function describeFailure(error: unknown): RequestFailure {
  if (typeof error !== 'object' || error === null) return { status: undefined, message: String(error) }
  const e = error as { status?: unknown; message?: unknown; name?: unknown; response?: { data?: unknown } }
  const data = e.response?.data
  const apiMessage =
    typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string' ? (data as { message: string }).message : undefined
  const message = apiMessage ?? (typeof e.message === 'string' ? e.message : String(error))
  // Octokit reports a failed fetch (refused, reset, aborted) as status 500 with the cause's message; keep 500 as "server or network".
  const status = typeof e.status === 'number' && e.status > 0 ? e.status : undefined
  return { status, message: e.name === 'TimeoutError' || e.name === 'AbortError' ? 'timed out' : message }
}

function owningRepo(repository: string | undefined): { owner: string; repo: string } | undefined {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(repository?.trim() ?? '')
  if (!match?.[1] || !match[2]) return undefined
  return { owner: match[1], repo: match[2] }
}

/** Where and as whom reports go, once the inputs and the environment allow reporting at all. */
interface Destination {
  readonly token: string
  readonly target: { readonly owner: string; readonly repo: string }
  readonly sha: string
  readonly url: string
  readonly baseUrl: string
  readonly timeoutMs: number
  readonly permission: string
}

/** Hides the token in anything logged. */
function redactor(token: string): (text: string) => string {
  return (text) => (token ? text.split(token).join('***') : text)
}

/** The destination, or undefined (with the warning said) when nothing can be reported: no token, or not in GitHub Actions. */
function destinationOf(options: ReporterOptions, mode: Exclude<GitHubStatusMode, 'none'>, url: string): Destination | undefined {
  const env = options.env ?? process.env
  const token = options.token
  const warn = (message: string): void => options.log.warning(redactor(token)(message))
  const permission = REQUIRED_PERMISSION[mode]
  const what = mode === 'commit' ? 'commit status' : 'deployment status'
  if (!token.trim()) {
    warn(
      `github-status is '${mode}' but no GitHub token was given, so no ${what} will be reported. Pass github-token (the default is the workflow's token) and grant the job \`permissions: ${permission}\`.`,
    )
    return undefined
  }
  const target = owningRepo(env['GITHUB_REPOSITORY'])
  const sha = env['GITHUB_SHA']?.trim() ?? ''
  if (!target || !/^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(sha)) {
    warn(
      `github-status is '${mode}' but GITHUB_REPOSITORY or GITHUB_SHA is missing or malformed (not running in GitHub Actions?), so no ${what} will be reported.`,
    )
    return undefined
  }
  const baseUrl = (env['GITHUB_API_URL']?.trim() || 'https://api.github.com').replace(/\/+$/, '')
  return { token, target, sha, url, baseUrl, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, permission }
}

export async function createReporter(options: ReporterOptions): Promise<Reporter> {
  const url = runUrl(options.env ?? process.env)
  const { mode } = options
  if (mode === 'none') return noopReporter(url)
  const destination = destinationOf(options, mode, url)
  if (!destination) return noopReporter(url)
  const reporter = new GitHubReporter(options, mode, destination)
  return { runUrl: url, report: (progress) => reporter.report(progress) }
}

/**
 * Commit statuses or deployment statuses for one run: one request at a time, in call order; a
 * permission or not-found answer, or three transient failures in a row, turn reporting off. Never throws.
 */
class GitHubReporter {
  private octokit: Octokit | undefined
  private stopped = false
  private transientFailures = 0
  private deploymentId: number | undefined
  private queue: Promise<void> = Promise.resolve()
  private readonly redact: (text: string) => string
  private readonly action: string

  constructor(
    private readonly options: ReporterOptions,
    private readonly mode: Exclude<GitHubStatusMode, 'none'>,
    private readonly to: Destination,
  ) {
    this.redact = redactor(to.token)
    this.action = mode === 'commit' ? `set the commit status ${options.context}` : `report to the ${options.environment} deployment`
  }

  // One request at a time, in call order: the deployment is created once even when reports overlap.
  report(progress: RolloutProgress): Promise<void> {
    this.queue = this.queue.then(async () => {
      if (this.stopped) return
      try {
        await (this.mode === 'commit' ? this.sendCommitStatus(progress) : this.sendDeploymentStatus(progress))
        this.transientFailures = 0
      } catch (error) {
        try {
          this.fail(error)
        } catch {
          // a logger that throws must not break the rollout either
        }
      }
    })
    return this.queue
  }

  private warn(message: string): void {
    this.options.log.warning(this.redact(message))
  }

  private description(text: string): string {
    return truncateDescription(this.redact(text))
  }

  private request(): { signal: AbortSignal } {
    return { signal: AbortSignal.timeout(this.to.timeoutMs) }
  }

  private async client(): Promise<Octokit> {
    if (this.octokit) return this.octokit
    const { getOctokit: create } = await import('@actions/github')
    const { log } = this.options
    // baseUrl is explicit: @actions/github reads GITHUB_API_URL from process.env only once, when it is first imported.
    // Octokit's own log (deprecation notices) goes through the redaction too; debug and info are dropped.
    this.octokit = create(this.to.token, {
      baseUrl: this.to.baseUrl,
      log: {
        debug: () => {},
        info: () => {},
        warn: (message: string) => log.info(this.redact(`GitHub API: ${message}`)),
        error: (message: string) => log.info(this.redact(`GitHub API: ${message}`)),
      },
    })
    return this.octokit
  }

  private fail(error: unknown): void {
    const { action } = this
    const { permission, target, sha } = this.to
    const { status, message } = describeFailure(error)
    const http = status === undefined ? message : `HTTP ${status}: ${message}`
    if (status === 401 || status === 403) {
      this.stopped = true
      const rateLimited = status === 403 && /rate limit/i.test(message)
      this.warn(
        rateLimited
          ? `Could not ${action} (${http}). GitHub reporting is off for the rest of this run.`
          : `Could not ${action} (${http}). The job's token needs \`permissions: ${permission}\`` +
              `${status === 401 ? ' and must be valid (check github-token)' : ''}. GitHub reporting is off for the rest of this run.`,
      )
      return
    }
    if (status === 404 || status === 422) {
      this.stopped = true
      this.warn(
        `Could not ${action} (${http}). Check that the token can reach ${target.owner}/${target.repo} with \`permissions: ${permission}\` and that commit ${sha.slice(0, 12)} is pushed. GitHub reporting is off for the rest of this run.`,
      )
      return
    }
    this.transientFailures += 1
    if (this.transientFailures >= MAX_TRANSIENT_FAILURES) {
      this.stopped = true
      this.warn(`Could not ${action} (${http}); ${this.transientFailures} failures in a row, so GitHub reporting is off for the rest of this run.`)
    } else {
      this.warn(`Could not ${action} (${http}); the rollout goes on.`)
    }
  }

  private async sendCommitStatus(progress: RolloutProgress): Promise<void> {
    const api = await this.client()
    const { target, sha, url } = this.to
    await api.rest.repos.createCommitStatus({
      owner: target.owner,
      repo: target.repo,
      sha,
      state: progress.state === 'in_progress' ? 'pending' : progress.state,
      context: this.options.context,
      description: this.description(progress.description),
      ...(url ? { target_url: url } : {}),
      request: this.request(),
    })
  }

  private async sendDeploymentStatus(progress: RolloutProgress): Promise<void> {
    const api = await this.client()
    const { options } = this
    const { target, sha, url } = this.to
    if (this.deploymentId === undefined) {
      const created = await api.rest.repos.createDeployment({
        owner: target.owner,
        repo: target.repo,
        ref: sha,
        environment: options.environment,
        auto_merge: false,
        required_contexts: [],
        description: this.description(progress.description),
        ...(options.productionEnvironment === undefined ? {} : { production_environment: options.productionEnvironment }),
        request: this.request(),
      })
      const id = (created.data as { id?: unknown }).id
      if (typeof id !== 'number') {
        // 202 (a merge happened instead): cannot happen with auto_merge false, but never post to a deployment that does not exist.
        this.stopped = true
        const message = (created.data as { message?: unknown }).message
        this.warn(
          `GitHub did not create a deployment (HTTP ${created.status}${typeof message === 'string' ? `: ${message}` : ''}). GitHub reporting is off for the rest of this run.`,
        )
        return
      }
      this.deploymentId = id
      options.log.info(`Created GitHub deployment ${id} for environment ${options.environment}.`)
    }
    await api.rest.repos.createDeploymentStatus({
      owner: target.owner,
      repo: target.repo,
      deployment_id: this.deploymentId,
      state: progress.state,
      description: this.description(progress.description),
      environment: options.environment,
      ...(url ? { log_url: url } : {}),
      request: this.request(),
    })
  }
}
