/**
 * The one name of the published action. package.json's `repository` says where it lives
 * (OWNER/REPO) and its `version` which major tag users pin (0.1.0 -> v0): every `uses:` of this
 * action or its reusable workflow in the README, examples/, workflow-templates/ and
 * .github/workflows/ must say exactly that. A fork changes `repository` and runs `npm run docs`.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface PublishedAction {
  /** OWNER/REPO */
  readonly repo: string
  /** The major tag, e.g. v0. */
  readonly ref: string
  /** `uses:` of the action. */
  readonly action: string
  /** `uses:` of the reusable workflow. */
  readonly reusable: string
  /** Repository names that mean "this action" in a `uses:` (the current one and the package name). */
  readonly names: readonly string[]
}

export const REUSABLE_PATH = '.github/workflows/canary-release.yml'

export function publishedAction(root: string): PublishedAction {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: string; version?: string; repository?: { url?: string } | string }
  const url = typeof pkg.repository === 'string' ? pkg.repository : (pkg.repository?.url ?? '')
  const match = /github\.com[/:]([\w.-]+\/[\w.-]+?)(?:\.git)?$/.exec(url)
  if (!match?.[1]) throw new Error(`package.json repository ${JSON.stringify(url)} is not a GitHub repository URL`)
  const major = /^(\d+)\./.exec(pkg.version ?? '')?.[1]
  if (major === undefined) throw new Error(`package.json version ${JSON.stringify(pkg.version)} is not X.Y.Z`)
  const repo = match[1]
  const ref = `v${major}`
  return {
    repo,
    ref,
    action: `${repo}@${ref}`,
    reusable: `${repo}/${REUSABLE_PATH}@${ref}`,
    names: [...new Set([repo.split('/')[1] ?? '', pkg.name ?? ''])].filter((n) => n !== ''),
  }
}

/** A `uses:` value found in a file, with its line. */
export interface UsesRef {
  readonly line: number
  readonly value: string
  /** What it should say, if it names this action or its reusable workflow; undefined for other actions and `./`. */
  readonly expected: string | undefined
}

const USES = /(\buses:\s*['"]?)([^\s'"#`]+)/g

/** Every `uses:` in a YAML or Markdown file, and what the ones naming this action should read. */
export function usesRefs(text: string, published: PublishedAction): UsesRef[] {
  const out: UsesRef[] = []
  text.split('\n').forEach((line, index) => {
    for (const m of line.matchAll(USES)) {
      const value = m[2] ?? ''
      out.push({ line: index + 1, value, expected: expectedUses(value, published) })
    }
  })
  return out
}

function expectedUses(value: string, published: PublishedAction): string | undefined {
  const m = /^([\w.-]+)\/([\w.-]+)(\/[^@]*)?@.+$/.exec(value)
  if (!m) return undefined
  const [, owner = '', name = '', path] = m
  if (!published.names.includes(name) && `${owner}/${name}` !== published.repo) return undefined
  return path ? `${published.repo}${path}@${published.ref}` : published.action
}

/** The text with every `uses:` of this action rewritten to the published name. */
export function fixUses(text: string, published: PublishedAction): string {
  return text.replace(USES, (all, head: string, value: string) => {
    const expected = expectedUses(value, published)
    return expected === undefined ? all : `${head}${expected}`
  })
}
