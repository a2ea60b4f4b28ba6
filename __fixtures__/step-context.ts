import { readConfig, type Config } from '../src/core/inputs.js'
import type { StepContext } from '../src/core/step.js'
import { RecordingLog } from './log.js'

/** A step context that records what a mode runner saves, sets and logs while it runs. */
export class RecordingContext implements StepContext {
  readonly log = new RecordingLog()
  readonly state: Record<string, string> = {}
  readonly outputs: Record<string, string> = {}
  readonly controller = new AbortController()

  constructor(private readonly inputs: Readonly<Record<string, string>> = {}) {}

  get signal(): AbortSignal {
    return this.controller.signal
  }
  input = (name: string): string => this.inputs[name] ?? ''
  saveState(name: string, value: string): void {
    this.state[name] = value
  }
  setOutput(name: string, value: string): void {
    this.outputs[name] = value
  }
  /** The validated config for these inputs, as the edge builds it. */
  config(): Config {
    return readConfig(this.input, { AWS_REGION: 'us-east-1' })
  }
}
