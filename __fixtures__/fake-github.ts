import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** How the request authenticated: the scheme, and whether the credential matched the fake's token. The value itself is never kept. */
export interface RecordedAuth {
  readonly scheme: 'token' | 'bearer' | 'other' | 'none'
  readonly matches: boolean
}

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  /** Lower-cased headers, without authorization. */
  readonly headers: Readonly<Record<string, string>>
  readonly auth: RecordedAuth
  readonly body: unknown
}

export interface CannedResponse {
  readonly status: number
  readonly body?: unknown
  /** Only requests whose "METHOD /path" matches. Default: every request. */
  readonly match?: RegExp
  /** How many matching requests get it. Default: all of them. */
  readonly times?: number
}

export interface FakeDeployment {
  readonly id: number
  readonly ref: string
  readonly environment: string
  readonly description: string
  readonly statuses: { state: string; description: string; log_url: string; environment: string }[]
}

export interface FakeCommitStatus {
  readonly sha: string
  readonly state: string
  readonly context: string
  readonly description: string
  readonly target_url: string | null
}

const DOCS = 'https://docs.github.com/rest'
const COMMIT_STATES = new Set(['error', 'failure', 'pending', 'success'])
const DEPLOYMENT_STATES = new Set(['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'])

/**
 * A loopback fake of the GitHub REST API's commit status and deployment endpoints. It checks what GitHub checks
 * (state values, 140-character descriptions, known deployment ids, the token when one is set) and answers like GitHub.
 */
export class FakeGitHub {
  readonly requests: RecordedRequest[] = []
  readonly deployments: FakeDeployment[] = []
  readonly commitStatuses: FakeCommitStatus[] = []
  /** Canned answers, consumed in order before the normal routes. */
  readonly canned: CannedResponse[] = []
  /** When set, matching requests are cut off: the socket is destroyed without an answer. */
  dropConnections = false
  /** When set, requests never get an answer (for timeouts). */
  hang = false
  private nextId = 1000
  private readonly sockets = new Set<Socket>()
  private readonly cannedUses = new Map<CannedResponse, number>()

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly token: string | undefined,
  ) {}

  /** Starts on 127.0.0.1 on a free port. With `token`, requests without `token X` or `Bearer X` for that X get 401. */
  static async start(options: { token?: string } = {}): Promise<FakeGitHub> {
    let fake: FakeGitHub | undefined
    const server = createServer((req, res) => {
      void fake?.handle(req, res)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    const { port } = server.address() as AddressInfo
    fake = new FakeGitHub(server, `http://127.0.0.1:${port}`, options.token)
    server.on('connection', (socket) => {
      fake?.sockets.add(socket)
      socket.on('close', () => fake?.sockets.delete(socket))
    })
    return fake
  }

  /** Answers every matching request with `status` and GitHub's error shape. */
  failWith(status: number, message: string, options: { match?: RegExp; times?: number } = {}): void {
    this.canned.push({ status, body: { message, documentation_url: DOCS }, ...options })
  }

  /** "Resource not accessible by integration": what GitHub answers a GITHUB_TOKEN without the needed permission. */
  forbid(options: { match?: RegExp; times?: number } = {}): void {
    this.failWith(403, 'Resource not accessible by integration', options)
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks).toString('utf8')
    let body: unknown
    if (raw) {
      try {
        body = JSON.parse(raw)
      } catch {
        body = raw
      }
    }
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(req.headers)) {
      if (name === 'authorization' || value === undefined) continue
      headers[name] = Array.isArray(value) ? value.join(', ') : value
    }
    const auth = this.readAuth(req.headers.authorization)
    const method = req.method ?? 'GET'
    const path = new URL(req.url ?? '/', this.url).pathname
    this.requests.push({ method, path, headers, auth, body })

    if (this.hang) return
    if (this.dropConnections) {
      req.socket.destroy()
      return
    }
    const canned = this.takeCanned(`${method} ${path}`)
    if (canned) return this.send(res, canned.status, canned.body ?? {})
    if (this.token !== undefined && !auth.matches) return this.send(res, 401, { message: 'Bad credentials', documentation_url: DOCS })
    this.route(method, path, body, res)
  }

  private readAuth(header: string | undefined): RecordedAuth {
    if (!header) return { scheme: 'none', matches: false }
    const match = /^(\S+)\s+(.*)$/.exec(header)
    const scheme = match?.[1]?.toLowerCase()
    const credential = match?.[2] ?? ''
    const matches = this.token !== undefined && credential === this.token
    if (scheme === 'token') return { scheme: 'token', matches }
    if (scheme === 'bearer') return { scheme: 'bearer', matches }
    return { scheme: 'other', matches: false }
  }

  private takeCanned(request: string): CannedResponse | undefined {
    for (const canned of this.canned) {
      if (canned.match && !canned.match.test(request)) continue
      const used = this.cannedUses.get(canned) ?? 0
      if (canned.times !== undefined && used >= canned.times) continue
      this.cannedUses.set(canned, used + 1)
      return canned
    }
    return undefined
  }

  private route(method: string, path: string, body: unknown, res: ServerResponse): void {
    const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
    const now = new Date().toISOString()
    const creator = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' }
    let m: RegExpExecArray | null

    if (method === 'POST' && (m = /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([0-9a-f]{40})$/i.exec(path))) {
      const [, owner, repo, sha] = m as unknown as [string, string, string, string]
      const problem = this.invalidDescription(input) ?? (COMMIT_STATES.has(String(input['state'])) ? undefined : 'state is not included in the list')
      if (problem) return this.unprocessable(res, problem)
      const status: FakeCommitStatus = {
        sha,
        state: String(input['state']),
        context: typeof input['context'] === 'string' ? input['context'] : 'default',
        description: typeof input['description'] === 'string' ? input['description'] : '',
        target_url: typeof input['target_url'] === 'string' ? input['target_url'] : null,
      }
      this.commitStatuses.push(status)
      const id = this.nextId++
      return this.send(res, 201, {
        url: `${this.url}/repos/${owner}/${repo}/statuses/${sha}`,
        avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4',
        id,
        node_id: `SC_${id}`,
        state: status.state,
        description: status.description,
        target_url: status.target_url,
        context: status.context,
        created_at: now,
        updated_at: now,
        creator,
      })
    }

    if (method === 'POST' && (m = /^\/repos\/([^/]+)\/([^/]+)\/deployments$/.exec(path))) {
      const [, owner, repo] = m as unknown as [string, string, string]
      if (typeof input['ref'] !== 'string' || !input['ref']) return this.unprocessable(res, 'ref is missing')
      const problem = this.invalidDescription(input)
      if (problem) return this.unprocessable(res, problem)
      const deployment: FakeDeployment = {
        id: this.nextId++,
        ref: input['ref'],
        environment: typeof input['environment'] === 'string' ? input['environment'] : 'production',
        description: typeof input['description'] === 'string' ? input['description'] : '',
        statuses: [],
      }
      this.deployments.push(deployment)
      const url = `${this.url}/repos/${owner}/${repo}/deployments/${deployment.id}`
      return this.send(res, 201, {
        url,
        id: deployment.id,
        node_id: `DE_${deployment.id}`,
        sha: deployment.ref,
        ref: deployment.ref,
        task: typeof input['task'] === 'string' ? input['task'] : 'deploy',
        payload: {},
        original_environment: deployment.environment,
        environment: deployment.environment,
        description: deployment.description,
        creator,
        created_at: now,
        updated_at: now,
        statuses_url: `${url}/statuses`,
        repository_url: `${this.url}/repos/${owner}/${repo}`,
        transient_environment: false,
        production_environment:
          typeof input['production_environment'] === 'boolean' ? input['production_environment'] : deployment.environment === 'production',
      })
    }

    if (method === 'POST' && (m = /^\/repos\/([^/]+)\/([^/]+)\/deployments\/(\d+)\/statuses$/.exec(path))) {
      const [, owner, repo, idText] = m as unknown as [string, string, string, string]
      const deployment = this.deployments.find((d) => d.id === Number(idText))
      if (!deployment) return this.send(res, 404, { message: 'Not Found', documentation_url: DOCS })
      const problem = this.invalidDescription(input) ?? (DEPLOYMENT_STATES.has(String(input['state'])) ? undefined : 'state is not included in the list')
      if (problem) return this.unprocessable(res, problem)
      const status = {
        state: String(input['state']),
        description: typeof input['description'] === 'string' ? input['description'] : '',
        log_url: typeof input['log_url'] === 'string' ? input['log_url'] : '',
        environment: typeof input['environment'] === 'string' ? input['environment'] : deployment.environment,
      }
      deployment.statuses.push(status)
      const id = this.nextId++
      const deploymentUrl = `${this.url}/repos/${owner}/${repo}/deployments/${deployment.id}`
      return this.send(res, 201, {
        url: `${deploymentUrl}/statuses/${id}`,
        id,
        node_id: `DES_${id}`,
        state: status.state,
        creator,
        description: status.description,
        environment: status.environment,
        target_url: status.log_url,
        log_url: status.log_url,
        environment_url: '',
        created_at: now,
        updated_at: now,
        deployment_url: deploymentUrl,
        repository_url: `${this.url}/repos/${owner}/${repo}`,
      })
    }

    this.send(res, 404, { message: 'Not Found', documentation_url: DOCS })
  }

  private invalidDescription(input: Record<string, unknown>): string | undefined {
    const description = input['description']
    if (description === undefined || description === null) return undefined
    if (typeof description !== 'string') return 'description is not a string'
    return Array.from(description).length > 140 ? 'description is too long (maximum is 140 characters)' : undefined
  }

  private unprocessable(res: ServerResponse, message: string): void {
    this.send(res, 422, { message: 'Validation Failed', errors: [{ resource: 'Status', code: 'custom', message }], documentation_url: DOCS })
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body)
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
    })
    res.end(text)
  }
}
