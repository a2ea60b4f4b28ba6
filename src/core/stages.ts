import { formatDuration, parseDuration } from './duration.js'
import { quote } from './quote.js'
import { nearNames } from './suggest.js'

/** One step of a rollout: send `weight` percent of traffic to the new version, then bake for `bakeMs`. */
export interface Stage {
  readonly weight: number
  readonly bakeMs: number
  /**
   * A canary-users stage (ALB mode): weight 0, and only requests matching the users' listener
   * rule reach the new version. Only ever the first stage.
   */
  readonly users?: true
}

export interface StageOptions {
  /** Accept a leading `users:BAKE` stage (only ALB mode can route by user). */
  readonly users?: boolean
}

/** Percent weights may carry at most this many decimals (0.001% is one request in 100,000). */
const WEIGHT_DECIMALS = 3
const ENTRY = /^(\d+(?:\.\d+)?)\s*%\s*(?::\s*(.+))?$/
const USERS_ENTRY = /^users\s*(?::\s*(.*))?$/i
const PRESET_PREFIX = 'CodeDeployDefault.Lambda'
/** More stages than this is a typo, and would make the summary long. */
export const MAX_STAGES = 50

function linear(stepMinutes: number): Stage[] {
  const stages: Stage[] = []
  for (let weight = 10; weight < 100; weight += 10) stages.push({ weight, bakeMs: stepMinutes * 60_000 })
  stages.push({ weight: 100, bakeMs: 0 })
  return stages
}

function canary(minutes: number): Stage[] {
  return [
    { weight: 10, bakeMs: minutes * 60_000 },
    { weight: 100, bakeMs: 0 },
  ]
}

/** CodeDeploy's predefined Lambda deployment configurations, as stage lists. */
export const PRESETS: Readonly<Record<string, readonly Stage[]>> = {
  Canary10Percent5Minutes: canary(5),
  Canary10Percent10Minutes: canary(10),
  Canary10Percent15Minutes: canary(15),
  Canary10Percent30Minutes: canary(30),
  Linear10PercentEvery1Minute: linear(1),
  Linear10PercentEvery2Minutes: linear(2),
  Linear10PercentEvery3Minutes: linear(3),
  Linear10PercentEvery10Minutes: linear(10),
  AllAtOnce: [{ weight: 100, bakeMs: 0 }],
}

/** The preset's bare name if `text` names one (with or without the CodeDeployDefault.Lambda prefix). */
export function presetName(text: string): string | undefined {
  const bare = text.trim().replace(new RegExp(`^${PRESET_PREFIX.replace('.', '\\.')}\\.?`), '')
  return Object.hasOwn(PRESETS, bare) ? bare : undefined
}

export class StageSyntaxError extends Error {
  override name = 'StageSyntaxError'
}

/** Every `W%` or `W%:BAKE` in the text, however it was separated. */
const STAGE_LIKE = /\d+(?:\.\d+)?\s*%(?:\s*:\s*\d+(?:\.\d+)?\s*[smh]\b)?/g

/**
 * An entry holding several stages (`10%:5m 50%:10m 100%`, `10%:5m; 100%`) was separated by
 * something other than a comma or newline: say so, with the list written the way it parses.
 */
function separatorHint(text: string, entry: string): string | undefined {
  if ((entry.match(/%/g) ?? []).length < 2) return undefined
  const rewritten = (text.match(STAGE_LIKE) ?? []).map((stage) => stage.replace(/\s+/g, '')).join(', ')
  return `${quote(entry)} holds more than one stage: separate stages with commas or newlines, e.g. ${quote(rewritten)}`
}

/** A preset name in the wrong case, or a letter off: the preset (or the two) it probably means. */
function presetHint(text: string): string | undefined {
  const bare = text.trim().replace(new RegExp(`^${PRESET_PREFIX.replace('.', '\\.')}\\.?`, 'i'), '')
  if (/%/.test(bare) || bare.length > 64) return undefined
  const near = nearNames(bare, Object.keys(PRESETS), 2, { nearestOnly: true })
  if (near.length === 0) return undefined
  const caseOnly = near[0]?.toLowerCase() === bare.toLowerCase()
  const meant = caseOnly ? [near[0] ?? ''] : near
  return `${quote(text.trim())} is not a preset${caseOnly ? ' (preset names are case-sensitive)' : ''}: did you mean ${meant.map(quote).join(' or ')}?`
}

/**
 * Parses the `stages` input: a preset name, or entries like `10%:5m, 50%:10m, 100%`
 * separated by commas or newlines. Weights strictly increase within (0, 100]; every entry
 * but the last needs a bake time. A list that stops below 100% holds at its last weight.
 */
export function parseStages(text: string, options: StageOptions = {}): Stage[] {
  const preset = presetName(text)
  if (preset) return [...(PRESETS[preset] ?? [])]
  const presetTypo = presetHint(text)
  if (presetTypo) throw new StageSyntaxError(presetTypo)

  const entries = text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
  if (entries.length === 0) throw new StageSyntaxError('no stages given')
  if (entries.length > MAX_STAGES) throw new StageSyntaxError(`${entries.length} stages given; at most ${MAX_STAGES}`)

  const stages: Stage[] = []
  entries.forEach((entry, index) => {
    const users = USERS_ENTRY.exec(entry)
    if (users) {
      stages.push(usersStage(entry, users[1], index, entries.length, options))
      return
    }
    const several = separatorHint(text, entry)
    if (several) throw new StageSyntaxError(several)
    const match = ENTRY.exec(entry)
    if (!match) {
      throw new StageSyntaxError(`${quote(entry)} is neither a preset nor a stage like "10%:5m" (weight in percent, bake time in s, m or h)`)
    }
    const [, weightText = '', bakeText] = match
    const decimals = weightText.split('.')[1]?.length ?? 0
    const weight = Number(weightText)
    if (decimals > WEIGHT_DECIMALS) {
      throw new StageSyntaxError(`${quote(entry)}: weight has more than ${WEIGHT_DECIMALS} decimals`)
    }
    if (!(weight > 0 && weight <= 100)) {
      throw new StageSyntaxError(`${quote(entry)}: weight must be above 0% and at most 100%`)
    }
    const previous = stages.at(-1)
    if (previous && weight <= previous.weight) {
      throw new StageSyntaxError(`${quote(entry)}: weights must strictly increase (previous stage is ${previous.weight}%)`)
    }
    if (previous?.weight === 100) {
      throw new StageSyntaxError(`${quote(entry)}: nothing may follow a 100% stage`)
    }
    let bakeMs = 0
    if (bakeText !== undefined) {
      const parsed = parseDuration(bakeText)
      if (parsed === undefined) {
        throw new StageSyntaxError(`${quote(entry)}: bake time ${quote(bakeText)} is not a duration like 30s, 5m or 1h`)
      }
      bakeMs = parsed
    } else if (index < entries.length - 1) {
      throw new StageSyntaxError(`${quote(entry)}: every stage but the last needs a bake time, e.g. "${weightText}%:5m"`)
    }
    if (bakeMs === 0 && index < entries.length - 1) {
      // A zero bake reads no gate before the next shift: the stage would pass on no evidence.
      throw new StageSyntaxError(
        `${quote(entry)}: a stage before the last needs a bake time above 0s (with none, the next shift follows at once, ` +
          'before the alarms can see any traffic on this weight); to switch all traffic at once, use the preset "AllAtOnce"',
      )
    }
    stages.push({ weight, bakeMs })
  })
  return stages
}

function usersStage(entry: string, bakeText: string | undefined, index: number, count: number, options: StageOptions): Stage {
  if (!options.users) {
    throw new StageSyntaxError(`${quote(entry)}: a users stage needs an Application Load Balancer (inputs listener and canary-users)`)
  }
  if (index > 0) throw new StageSyntaxError(`${quote(entry)}: a users stage can only be the first stage`)
  if (bakeText === undefined || bakeText.trim() === '') {
    if (count > 1) throw new StageSyntaxError(`${quote(entry)}: a users stage followed by others needs a bake time, e.g. "users:30m"`)
    return { weight: 0, bakeMs: 0, users: true }
  }
  const bakeMs = parseDuration(bakeText)
  if (bakeMs === undefined) throw new StageSyntaxError(`${quote(entry)}: bake time ${quote(bakeText)} is not a duration like 30s, 5m or 1h`)
  return { weight: 0, bakeMs, users: true }
}

/** True when the plan ends below 100%: the rollout holds there and a later run promotes. */
export function holds(stages: readonly Stage[]): boolean {
  return (stages.at(-1)?.weight ?? 0) < 100
}

/** The stages still to run when the canary already serves `currentWeight` percent. */
export function remainingStages(stages: readonly Stage[], currentWeight: number, usersLive = false): Stage[] {
  // A users stage is behind the rollout once its rule is live or weights have moved on.
  return stages.filter((stage) => (stage.users ? !usersLive && currentWeight <= 1e-9 : stage.weight > currentWeight + 1e-9))
}

export function describeStages(stages: readonly Stage[]): string {
  return stages
    .map((s) => {
      const head = s.users ? 'users' : `${s.weight}%`
      return s.bakeMs > 0 ? `${head}:${formatDuration(s.bakeMs)}` : head
    })
    .join(', ')
}
