/** The log as the engine sees it; the edge writes it as workflow commands, tests record it. */
export interface Log {
  info(message: string): void
  warning(message: string): void
  error(message: string): void
  startGroup(name: string): void
  endGroup(): void
}
