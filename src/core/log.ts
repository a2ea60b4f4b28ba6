/** The log as the engine sees it; main adapts @actions/core to it, tests record it. */
export interface Log {
  info(message: string): void
  warning(message: string): void
  error(message: string): void
  startGroup(name: string): void
  endGroup(): void
}
