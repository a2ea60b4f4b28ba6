/**
 * The published IAM policies (policies/*.json) as the least-privilege tests read them: their actions,
 * the README's copy of each, and a policy filled in for the emulator's account with only some actions kept.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '../e2e/runner.js'

export interface PolicyDocument {
  Statement: {
    Sid?: string
    Effect?: string
    Action: string | string[]
    Resource?: string | string[]
    Condition?: Record<string, Record<string, string>>
  }[]
}

export const actionsOf = (policy: PolicyDocument): string[] => policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort()

export function loadPolicy(file: string): PolicyDocument {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'policies', file), 'utf8')) as PolicyDocument
}

/** The README's first JSON block after the heading `heading` matches (e.g. /^## IAM permissions/m). */
export function readmePolicy(heading: RegExp): PolicyDocument {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
  const section = readme.split(heading)[1]
  if (!section) throw new Error(`README.md has no section matching ${heading}`)
  const block = /```json\n([\s\S]*?)```/.exec(section)?.[1]
  if (!block) throw new Error(`README.md's section matching ${heading} has no \`\`\`json block`)
  return JSON.parse(block) as PolicyDocument
}

/**
 * `policy` with its placeholders replaced (`REGION` -> us-east-1, `ACCOUNT` -> the emulator's, then
 * `fill`'s pairs in order), keeping only `actions`: the emulator checks Resource ARNs as well as actions.
 */
export function enforcedPolicy(policy: PolicyDocument, actions: readonly string[], fill: readonly [string, string][]): PolicyDocument {
  let text = JSON.stringify(policy).replaceAll('REGION', 'us-east-1').replaceAll('ACCOUNT', '123456789012')
  for (const [placeholder, value] of fill) text = text.replaceAll(placeholder, value)
  const doc = JSON.parse(text) as PolicyDocument
  return {
    Statement: doc.Statement.map((st) => ({ ...st, Action: actionsOf({ Statement: [st] }).filter((a) => actions.includes(a)) })).filter(
      (st) => st.Action.length > 0,
    ),
  }
}
