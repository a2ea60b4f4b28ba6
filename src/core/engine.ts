import type { Clock } from './clock.js'
import { formatDuration } from './duration.js'
import { errorMessage, OwnershipError, RefusalError } from './errors.js'
import { type AlarmFiring, type AlarmState, DEFAULT_MAX_UNREADABLE, describeReading, type Gate, type GateContext, type GateReading } from './gate.js'
import type { Log } from './log.js'
import { preflight } from './preflight.js'
import { quote } from './quote.js'
import { remainingStages, type Stage } from './stages.js'
import type { TrafficProvider, TrafficState } from './traffic.js'

export type Phase = 'Initializing' | 'Progressing' | 'Baking' | 'RollingBack' | 'Succeeded' | 'Held' | 'RolledBack' | 'Refused' | 'Failed'

export type StageResult = 'pending' | 'resumed' | 'baking' | 'passed' | 'failed' | 'cancelled'

export interface StageRecord {
  readonly weight: number
  readonly bakeMs: number
  /** A canary-users stage: weight 0, only matching requests reach the target. */
  readonly users?: true
  startedAt: number | undefined
  bakedMs: number
  /** When the bake time ran out; the stage passes once its evidence is judged through here. */
  bakeEndedAt?: number | undefined
  /** The stage's judged minutes of late evidence (the canary analysis), when the gate reports them. */
  judgedMinutes?: number | undefined
  checks: number
  result: StageResult
}

export type RolloutResult = 'promoted' | 'held' | 'rolled-back' | 'refused' | 'failed'

/** Something that happened to traffic or gates, for the summary's timeline. */
export interface RolloutEvent {
  readonly at: number
  readonly kind: 'shift' | 'promote' | 'alarm' | 'unreadable' | 'cancel' | 'rollback' | 'hold'
  readonly weight: number
  readonly detail: string
}

export interface Outcome {
  readonly result: RolloutResult
  /** The canary's percent of traffic at exit. */
  readonly weight: number
  readonly stableVersion: string | undefined
  readonly targetVersion: string | undefined
  readonly alarm: AlarmState | undefined
  /** Why the rollout rolled back, was refused or failed. */
  readonly reason: string | undefined
  readonly stages: readonly StageRecord[]
  readonly events: readonly RolloutEvent[]
  /** Alarms seen in INSUFFICIENT_DATA at any read. */
  readonly insufficient: readonly string[]
  readonly startedAt: number
  readonly endedAt: number
  /** True when the resource already served the target fully and nothing was changed. */
  readonly alreadyPromoted: boolean
  /** True when this run changed traffic and could not settle it: the post step must roll back. */
  readonly needsCleanup: boolean
}

export interface EngineOptions {
  readonly provider: TrafficProvider
  readonly gate: Gate
  readonly clock: Clock
  readonly log: Log
  readonly stages: readonly Stage[]
  readonly pollMs: number
  /** Aborts on cancel; the engine then rolls back. */
  readonly signal?: AbortSignal
  /** A held canary older than this is rolled back rather than resumed. */
  readonly maxHoldMs?: number
  /** Unreadable gate reads within one stage that force a rollback (they add up; a good read does not reset them). */
  readonly maxUnreadable?: number
  /** Called for every event as it happens (for live GitHub statuses). */
  readonly onEvent?: (event: RolloutEvent, stage: { index: number; total: number }) => void
  /** Called once, before the first write (or on resuming a live canary), so the post step can clean up a crash. */
  readonly onFirstWrite?: (state: TrafficState) => void
}

/** How far back alarm history is read on a resume when the hold's start is unknown and no max-hold is set. */
const DEFAULT_HISTORY_MS = 24 * 3_600_000

type TerminalPhase = 'Succeeded' | 'Held' | 'RolledBack' | 'Refused' | 'Failed'

/** Each end of a rollout has one result: the phase says it, nothing else is stored. */
const RESULT_OF: Readonly<Record<TerminalPhase, RolloutResult>> = {
  Succeeded: 'promoted',
  Held: 'held',
  RolledBack: 'rolled-back',
  Refused: 'refused',
  Failed: 'failed',
}

function isTerminal(phase: Phase): phase is TerminalPhase {
  return Object.hasOwn(RESULT_OF, phase)
}

type RollbackKind = 'alarm' | 'unreadable' | 'cancelled' | 'error' | 'expired'

/**
 * The rollout state machine. Each `tick()` does one thing (read, shift, one gate check
 * plus the wait after it, or roll back), so tests can advance it step by step.
 */
export class Rollout {
  phase: Phase = 'Initializing'
  /** The canary's percent of traffic as last written and verified. */
  weight = 0
  stageIndex = 0
  readonly stages: StageRecord[]
  readonly events: RolloutEvent[] = []

  private traffic: TrafficState | undefined
  private wroteAnything = false
  /** When this run's first write went live (or it resumed a live canary): nothing earlier is judged. */
  private releaseStartedAt: number | undefined
  private resumed = false
  private alreadyPromoted = false
  /** Someone else changed the resource; nothing of ours is left to clean up. */
  private ownershipLost = false
  private reason: string | undefined
  private alarm: AlarmState | undefined
  private readonly insufficient = new Set<string>()
  private readonly startedAt: number
  private endedAt = 0
  private readonly maxUnreadable: number
  /** Unreadable gate reads in the current stage: they add up, a good read does not forgive them. */
  private unreadable = 0
  /** When the gate was last read in this stage, and whether that read succeeded. */
  private lastReadAt = 0
  private lastReadOk = true

  constructor(private readonly options: EngineOptions) {
    this.stages = options.stages.map((stage) => ({
      weight: stage.weight,
      bakeMs: stage.bakeMs,
      ...(stage.users ? { users: stage.users } : {}),
      startedAt: undefined,
      bakedMs: 0,
      checks: 0,
      result: 'pending' as StageResult,
    }))
    this.maxUnreadable = options.maxUnreadable ?? DEFAULT_MAX_UNREADABLE
    this.startedAt = options.clock.now()
  }

  get done(): boolean {
    return isTerminal(this.phase)
  }

  /** Runs ticks until a terminal phase. */
  async run(): Promise<Outcome> {
    while (!this.done) await this.tick()
    return this.outcome()
  }

  async tick(): Promise<Phase> {
    if (this.done) return this.phase
    if (this.cancelled() && (this.phase === 'Progressing' || this.phase === 'Baking')) {
      this.beginRollback('cancelled', 'the workflow was cancelled')
      return this.phase
    }
    switch (this.phase) {
      case 'Initializing':
        await this.initialize()
        break
      case 'Progressing':
        await this.progress()
        break
      case 'Baking':
        await this.bake()
        break
      case 'RollingBack':
        await this.rollBack()
        break
      default:
        break
    }
    if (this.done) this.endedAt = this.options.clock.now()
    return this.phase
  }

  outcome(): Outcome {
    const phase = this.phase
    return {
      result: isTerminal(phase) ? RESULT_OF[phase] : 'failed',
      weight: this.weight,
      stableVersion: this.traffic?.stableVersion,
      targetVersion: this.traffic?.targetVersion,
      alarm: this.alarm,
      reason: this.reason,
      stages: this.stages,
      events: this.events,
      insufficient: [...this.insufficient],
      startedAt: this.startedAt,
      endedAt: this.endedAt || this.options.clock.now(),
      alreadyPromoted: this.alreadyPromoted,
      needsCleanup: this.wroteAnything && phase === 'Failed' && !this.ownershipLost,
    }
  }

  // --- initializing: the story before the first write ----------------------

  private async initialize(): Promise<void> {
    if (this.cancelled()) return this.refuse('the workflow was cancelled before any change')
    const traffic = await this.inspect()
    if (traffic === undefined || !this.classify(traffic)) return
    if (this.resumed && !(await this.resume(traffic))) return
    if (!(await this.checkGatesBeforeStart())) return
    const next = this.skipFinishedStages()
    if (this.resumeInterruptedBake(next)) return
    if (next >= this.stages.length) {
      this.options.log.info(`Every stage is at or below the live ${this.weight}%: holding there.`)
      return this.finish('Held')
    }
    this.phase = 'Progressing'
  }

  /** Reads what the resource routes now; refuses when it cannot be read or the release cannot run. */
  private async inspect(): Promise<TrafficState | undefined> {
    const { provider, log } = this.options
    let traffic: TrafficState
    try {
      traffic = await provider.inspect()
    } catch (error) {
      this.refuse(error instanceof RefusalError ? error.message : `could not read ${provider.resource}: ${errorMessage(error)}`)
      return undefined
    }
    this.traffic = traffic
    log.info(`${provider.resource} routes ${traffic.description}`)
    if (provider.link) log.info(`Console: ${provider.link}`)
    return traffic
  }

  /** Whose rollout the resource is in. True when this one may go on (fresh, or a re-run resuming). */
  private classify(traffic: TrafficState): boolean {
    const { provider, log } = this.options
    switch (traffic.ownership) {
      case 'promoted':
        this.alreadyPromoted = true
        this.weight = 100
        for (const stage of this.stages) stage.result = 'resumed'
        log.info(`Version ${traffic.targetVersion} already serves all traffic: nothing to do.`)
        this.finish('Succeeded')
        return false
      case 'foreign':
        this.refuse(
          `${provider.resource} already routes ${traffic.description}, not to version ${traffic.targetVersion}: ` +
            'another rollout owns it. Finish or roll back that one first (mode: rollback).',
        )
        return false
      case 'resumable':
        this.resumed = true
        return true
      case 'fresh':
        return true
    }
  }

  /** A re-run finds its canary live: from here on a failure must roll back. Then the hold is checked. */
  private async resume(traffic: TrafficState): Promise<boolean> {
    this.weight = traffic.weight
    this.wroteAnything = true
    this.releaseStartedAt = this.options.clock.now()
    this.options.onFirstWrite?.(traffic)
    this.options.log.info(`Resuming: version ${traffic.targetVersion} already takes ${traffic.weight}% of traffic.`)
    return this.checkHold(traffic)
  }

  /**
   * Nobody polled the alarms while the canary was held (say, waiting for an approval):
   * check how long it was held and what the alarms did meanwhile. Returns false when the
   * rollout must not go on (it is then rolling back, or refused).
   */
  private async checkHold(traffic: TrafficState): Promise<boolean> {
    const { clock, gate, log, maxHoldMs } = this.options
    const now = clock.now()
    const since = traffic.since
    if (since !== undefined) {
      log.info(`The canary has been live since ${new Date(since).toISOString()} (${formatDuration(Math.round((now - since) / 1000) * 1000)}).`)
      if (maxHoldMs !== undefined && now - since > maxHoldMs) {
        this.beginRollback('expired', `the canary has been held since ${new Date(since).toISOString()}, longer than max-hold ${formatDuration(maxHoldMs)}`)
        return false
      }
    } else {
      log.warning('The resource does not record when the canary went live; checking alarm history over max-hold (or 24h).')
    }
    const from = since ?? now - (maxHoldMs ?? DEFAULT_HISTORY_MS)
    let firings: AlarmFiring[]
    try {
      firings = await gate.firedSince(from, this.options.signal)
    } catch (error) {
      // A cancel aborts the read: roll back, as a cancel does everywhere else once the canary is live.
      if (this.cancelled()) return this.cancelResume()
      this.refuse(`could not read alarm history since ${new Date(from).toISOString()}, so cannot show the hold stayed green: ${errorMessage(error)}`)
      return false
    }
    if (this.cancelled()) return this.cancelResume()
    const [first] = firings
    if (first) {
      this.alarm = { name: first.name, state: first.state, reason: first.summary, updatedAt: first.at, link: first.link }
      const what = first.state === 'ALARM' ? 'fired' : `went to ${first.state}`
      this.beginRollback('alarm', `alarm ${quote(first.name)} ${what} at ${first.at.toISOString()} while the canary was held`)
      return false
    }
    log.info(`No gate alarm fired since ${new Date(from).toISOString()}.`)
    return true
  }

  private cancelResume(): false {
    this.beginRollback('cancelled', 'the workflow was cancelled')
    return false
  }

  /** Gates are read before any write: every alarm must exist and none may be firing. */
  private async checkGatesBeforeStart(): Promise<boolean> {
    const reading = await this.readGate()
    if (reading === undefined) return false
    for (const alarm of reading.alarms) this.options.log.info(`Alarm ${quote(alarm.name)}: ${alarm.state} ${alarm.link}`)
    const verdict = preflight(reading)
    if (!verdict.ok) {
      if (!this.resumed) this.refuse(verdict.message)
      else {
        if (verdict.problem === 'firing') this.alarm = reading.firing[0]
        this.beginRollback(verdict.problem === 'firing' ? 'alarm' : 'unreadable', verdict.message)
      }
      return false
    }
    if (this.options.gate.names.length === 0) this.options.log.warning('No alarms given: stages pass on bake time alone.')
    return true
  }

  /** Marks the stages at or below the live weight as done earlier; returns the index of the first one left. */
  private skipFinishedStages(): number {
    const next = this.stages.length - remainingStages(this.stages, this.weight, this.traffic?.users === true).length
    for (const stage of this.stages.slice(0, next)) stage.result = 'resumed'
    this.stageIndex = next
    return next
  }

  /**
   * A crash mid-bake leaves the canary at a stage's weight with its bake unfinished (the
   * resource records a finished bake only when the rollout holds): bake that stage again.
   */
  private resumeInterruptedBake(next: number): boolean {
    const stage = this.stages[next - 1]
    if (!this.resumed || !stage || this.traffic?.baked || Math.abs(stage.weight - this.weight) > 1e-9) return false
    // When the weight went live is only known to within the interrupted write's latency, so
    // the stage bakes in full again: never less than its bake time on evidence.
    this.options.log.startGroup(`Stage ${next}/${this.stages.length}: ${stageLabel(stage)}, its bake was interrupted; baking it in full`)
    this.stageIndex = next - 1
    this.startBake(stage)
    return true
  }

  // --- the stages -------------------------------------------------------------

  private async progress(): Promise<void> {
    const { provider, log, clock } = this.options
    const stage = this.stages[this.stageIndex]
    const traffic = this.traffic
    if (!stage || !traffic) return this.fail('internal: no stage to progress to')

    log.startGroup(
      `Stage ${this.stageIndex + 1}/${this.stages.length}: ${stageLabel(stage)} to version ${traffic.targetVersion}` +
        (stage.bakeMs > 0 ? `, bake ${formatDuration(stage.bakeMs)}` : ''),
    )
    if (!this.wroteAnything) {
      this.wroteAnything = true
      this.releaseStartedAt = clock.now()
      this.options.onFirstWrite?.(traffic)
    }
    try {
      const routing = stage.weight >= 100 ? await provider.promote() : await provider.shift(stage.weight)
      this.weight = stage.weight
      log.info(`${provider.resource} now routes ${routing} (verified)`)
      this.record({ at: clock.now(), kind: stage.weight >= 100 ? 'promote' : 'shift', weight: stage.weight, detail: routing })
    } catch (error) {
      stage.result = 'failed'
      log.endGroup()
      if (error instanceof OwnershipError) {
        // Someone else changed the resource: stop without overwriting their change.
        this.ownershipLost = true
        return this.fail(error.message)
      }
      return this.beginRollback('error', `could not set ${stage.weight}%: ${errorMessage(error)}`)
    }
    this.startBake(stage)
  }

  private startBake(stage: StageRecord): void {
    const now = this.options.clock.now()
    stage.result = 'baking'
    stage.startedAt = now
    stage.bakeEndedAt = undefined
    this.unreadable = 0
    this.lastReadAt = now
    this.lastReadOk = true
    this.phase = 'Baking'
  }

  /**
   * One gate check, then (if the stage goes on) the wait until the next one. Bake time is
   * the time between reads that both succeeded: a span that ends or starts with an unreadable
   * read is time nobody watched, so it does not count.
   */
  private async bake(): Promise<void> {
    const { clock, log, pollMs } = this.options
    const stage = this.stages[this.stageIndex]
    if (!stage) return this.fail('internal: no stage to bake')

    const stageStartedAt = stage.startedAt ?? this.lastReadAt
    // When the read was sent: with no metrics delay it judges through then, which is what a finished bake waits for.
    const readAt = clock.now()
    const reading = await this.readGate({ stageStartedAt, releaseStartedAt: this.releaseStartedAt ?? stageStartedAt, weight: stage.weight })
    if (reading === undefined) return
    const now = clock.now()
    const readable = reading.status !== 'inconclusive'
    if (readable && this.lastReadOk) stage.bakedMs = Math.min(stage.bakeMs, stage.bakedMs + (now - this.lastReadAt))
    this.lastReadAt = now
    this.lastReadOk = readable
    stage.checks += 1
    if (reading.judgedMinutes !== undefined) stage.judgedMinutes = reading.judgedMinutes
    log.info(`[${formatDuration(Math.floor(stage.bakedMs / 1000) * 1000)} / ${formatDuration(stage.bakeMs)}] gate: ${describeReading(reading)}`)

    if (reading.status === 'fail') {
      const alarm = reading.firing[0]
      this.alarm = alarm
      stage.result = 'failed'
      for (const firing of reading.firing) {
        log.error(`Alarm ${quote(firing.name)} is ${firing.state}: ${firing.reason} (${firing.link})`)
      }
      if (!alarm && reading.reason) log.error(reading.reason)
      log.endGroup()
      return this.beginRollback('alarm', alarm ? `alarm ${quote(alarm.name)} is ${alarm.state}` : (reading.reason ?? 'the gate failed'))
    }

    if (reading.status === 'inconclusive') {
      this.unreadable += 1
      log.warning(`Gate unreadable (${this.unreadable}/${this.maxUnreadable} in this stage): ${reading.error ?? 'unknown error'}`)
      this.record({ at: now, kind: 'unreadable', weight: this.weight, detail: reading.error ?? '' })
      if (this.unreadable >= this.maxUnreadable) {
        stage.result = 'failed'
        log.endGroup()
        return this.beginRollback('unreadable', `gates unreadable on ${this.unreadable} polls in this stage: ${reading.error ?? ''}`)
      }
    } else if (stage.bakedMs >= stage.bakeMs && this.settling(stage, reading, readAt)) {
      // Bake time is up but its last minutes' metrics have not all arrived: keep reading (a bad minute still fails fast).
    } else if (stage.bakedMs >= stage.bakeMs) {
      // The bake completes only on a successful read taken at or after its end, judged through its end, with enough evidence.
      // A stage with no bake asks for no evidence: its traffic is judged by the stages before and the alarms.
      const shortfall = stage.bakeMs > 0 ? reading.shortfall : undefined
      if (shortfall?.blocks) {
        stage.result = 'failed'
        log.endGroup()
        return this.beginRollback('alarm', shortfall.reason)
      }
      if (shortfall) log.warning(`Stage passes on too little evidence: ${shortfall.reason}`)
      return await this.completeStage(stage)
    }

    const left = stage.bakeMs - stage.bakedMs
    const wait = readable && left > 0 ? Math.min(pollMs, left) : pollMs
    try {
      await clock.sleep(wait, this.options.signal)
    } catch {
      // Aborted: the next tick sees the cancel and rolls back.
    }
  }

  /**
   * True while a finished bake waits for its evidence: the gate has judged only up to
   * `settledThrough`, short of the bake's end (up to metrics-delay plus a minute). Each stage waits
   * for its own minutes, so nothing shifts further, promotes or ends the run on unjudged minutes.
   */
  private settling(stage: StageRecord, reading: GateReading, readAt: number): boolean {
    const first = stage.bakeEndedAt === undefined
    stage.bakeEndedAt ??= readAt
    const through = reading.settledThrough
    if (stage.bakeMs <= 0 || through === undefined || through >= stage.bakeEndedAt) return false
    // Said once per stage; each poll's line says through when it judged.
    if (first) {
      const until = new Date(stage.bakeEndedAt).toISOString().slice(11, 19)
      this.options.log.info(
        `Bake time is up; waiting for the metrics through ${until} to arrive and be judged (judged through ${new Date(through).toISOString().slice(11, 19)}).`,
      )
    }
    return true
  }

  private async completeStage(stage: StageRecord): Promise<void> {
    const { log, clock } = this.options
    stage.result = 'passed'
    log.info(`Stage passed after ${stage.checks} gate check${stage.checks === 1 ? '' : 's'}.`)
    log.endGroup()
    this.stageIndex += 1
    if (this.stageIndex < this.stages.length) {
      this.phase = 'Progressing'
      return
    }
    if (this.weight >= 100) return this.finish('Succeeded')
    try {
      await this.options.provider.markBaked()
    } catch (error) {
      // Not fatal: a resume then bakes this stage again, which only costs time.
      log.warning(`Could not record the finished bake on ${this.options.provider.resource}: ${errorMessage(error)}`)
    }
    this.record({ at: clock.now(), kind: 'hold', weight: this.weight, detail: `holding at ${this.weight}%` })
    log.info(`Holding at ${this.weight}%: a later run with stages up to 100% promotes.`)
    this.finish('Held')
  }

  private async rollBack(): Promise<void> {
    const { provider, log, clock } = this.options
    const traffic = this.traffic
    if (!traffic) return this.fail('internal: nothing to roll back')
    log.startGroup(`Rolling back ${provider.resource} to version ${traffic.stableVersion}`)
    try {
      const routing = await provider.rollback()
      this.weight = 0
      log.info(`${provider.resource} now routes ${routing} (verified)`)
      this.record({ at: clock.now(), kind: 'rollback', weight: 0, detail: routing })
      this.finish('RolledBack')
    } catch (error) {
      if (error instanceof OwnershipError) this.ownershipLost = true
      this.reason = `${this.reason ?? ''}; the rollback itself failed: ${errorMessage(error)}`.replace(/^; /, '')
      log.error(`Rollback failed: ${errorMessage(error)}`)
      this.finish('Failed')
    }
    log.endGroup()
  }

  // --- helpers -------------------------------------------------------------

  /** Reads the gates; on cancel mid-read, rolls back (or refuses if nothing was written). */
  private async readGate(context?: GateContext): Promise<GateReading | undefined> {
    const reading = await this.options.gate.check(this.options.signal, context)
    if (this.cancelled()) {
      if (this.wroteAnything) this.beginRollback('cancelled', 'the workflow was cancelled')
      else this.refuse('the workflow was cancelled before any change')
      return undefined
    }
    for (const name of reading.insufficient) this.insufficient.add(name)
    return reading
  }

  private beginRollback(kind: RollbackKind, reason: string): void {
    const { clock, log } = this.options
    this.reason = reason
    const stage = this.stages[this.stageIndex]
    if (kind === 'cancelled' && stage && stage.result === 'baking') stage.result = 'cancelled'
    this.record({
      at: clock.now(),
      kind: kind === 'alarm' ? 'alarm' : kind === 'cancelled' ? 'cancel' : 'unreadable',
      weight: this.weight,
      detail: reason,
    })
    log.warning(`Rolling back: ${reason}`)
    this.phase = 'RollingBack'
  }

  private refuse(reason: string): void {
    this.reason = reason
    // Not an annotation: the step fails with this reason, and one error annotation per refusal is enough.
    this.options.log.info(`Refusing to start: ${reason}`)
    this.finish('Refused')
  }

  private fail(reason: string): void {
    this.reason = reason
    this.options.log.error(reason)
    this.finish('Failed')
  }

  private finish(phase: TerminalPhase): void {
    this.phase = phase
  }

  private record(event: RolloutEvent): void {
    this.events.push(event)
    this.options.onEvent?.(event, { index: this.stageIndex + 1, total: this.stages.length })
  }

  private cancelled(): boolean {
    return this.options.signal?.aborted ?? false
  }
}

/** How a stage reads in the log: `10%`, or `canary users` for a users stage. */
export function stageLabel(stage: { readonly weight: number; readonly users?: true }): string {
  return stage.users ? 'canary users' : `${stage.weight}%`
}

/** True when the step should fail: anything but a promote or a hold. */
export function isFailure(outcome: Outcome): boolean {
  return outcome.result !== 'promoted' && outcome.result !== 'held'
}
