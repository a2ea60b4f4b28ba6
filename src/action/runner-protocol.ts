/**
 * The runner's side of a step, as GitHub documents it ("Workflow commands for GitHub Actions"):
 * inputs and saved state arrive as environment variables; outputs, state and the job summary are
 * appended to the files the runner names (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY); masks,
 * annotations and groups are `::command::` lines on stdout.
 *
 * Why not @actions/core: it imports its OIDC token client, and with it the undici HTTP client
 * (about 400 KB), before the first line of the step runs. That was 40 ms of start-up before the
 * first AWS request (issue 11, item 17: at most 100 ms beyond a bare `node -e 0`), for a feature
 * this action never uses. The dozen calls below are the whole of what the edge needs.
 */
import { randomUUID } from 'node:crypto'
import { appendFileSync } from 'node:fs'
import { appendFile } from 'node:fs/promises'
import { EOL } from 'node:os'

/** The runner's env name for an input: spaces become underscores, then upper case; hyphens stay. */
function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/** One input by its action.yml name, trimmed; '' when unset. */
export function getInput(name: string): string {
  return (process.env[inputEnvName(name)] ?? '').trim()
}

/** A value main saved for the post step (the runner passes it back as STATE_<name>); '' when unset. */
export function getState(name: string): string {
  return process.env[`STATE_${name}`] ?? ''
}

export function saveState(name: string, value: string): void {
  if (!appendKeyValue('GITHUB_STATE', name, value)) command('save-state', { name }, value)
}

export function setOutput(name: string, value: string): void {
  // The stdout form is the runner's old protocol, kept for runners that predate GITHUB_OUTPUT.
  if (!appendKeyValue('GITHUB_OUTPUT', name, value)) command('set-output', { name }, value)
}

/** From this line on, the runner replaces the value with *** wherever it appears in the log. */
export function setSecret(value: string): void {
  command('add-mask', {}, value)
}

export function info(message: string): void {
  process.stdout.write(message + EOL)
}

export function error(message: string): void {
  command('error', {}, message)
}

export function warning(message: string): void {
  command('warning', {}, message)
}

export function notice(message: string): void {
  command('notice', {}, message)
}

export function startGroup(name: string): void {
  command('group', {}, name)
}

export function endGroup(): void {
  command('endgroup', {}, '')
}

/** Marks the step failed (exit code 1 once the process ends) with the message as its error annotation. */
export function setFailed(message: string): void {
  process.exitCode = 1
  error(message)
}

/** Appends Markdown to the job summary. Rejects when the runner gives no summary file. */
export async function appendSummary(markdown: string): Promise<void> {
  const file = process.env['GITHUB_STEP_SUMMARY']
  if (!file) throw new Error('GITHUB_STEP_SUMMARY is not set: this runner gives the step no job summary file.')
  await appendFile(file, markdown, 'utf8')
}

/**
 * `name<<delimiter`, the value, then the delimiter, each on its own line: a value may span lines.
 * The delimiter is random, so no value can end the entry early. False when the runner names no file.
 */
function appendKeyValue(fileVariable: string, name: string, value: string): boolean {
  const file = process.env[fileVariable]
  if (!file) return false
  const delimiter = `ghadelimiter_${randomUUID()}`
  if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`${fileVariable}: the value of ${name} contains its own delimiter`)
  appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, 'utf8')
  return true
}

/** `::name key=value,...::message`, escaped so a message cannot end its line or start another command. */
function command(name: string, properties: Record<string, string>, message: string): void {
  const props = Object.entries(properties)
    .map(([key, value]) => `${key}=${escapeProperty(value)}`)
    .join(',')
  process.stdout.write(`::${name}${props ? ` ${props}` : ''}::${escapeData(message)}${EOL}`)
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}
