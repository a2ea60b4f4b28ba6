import type { Log } from '../src/core/log.js'

/** A log that keeps every line, prefixed by its level, for assertions. */
export class RecordingLog implements Log {
  readonly lines: string[] = []
  info(message: string): void {
    this.lines.push(`info: ${message}`)
  }
  warning(message: string): void {
    this.lines.push(`warning: ${message}`)
  }
  error(message: string): void {
    this.lines.push(`error: ${message}`)
  }
  startGroup(name: string): void {
    this.lines.push(`group: ${name}`)
  }
  endGroup(): void {
    this.lines.push('endgroup')
  }
  text(): string {
    return this.lines.join('\n')
  }
}
