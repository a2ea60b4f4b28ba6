/**
 * Quote a user-supplied value for the log or an error message.
 * JSON quoting escapes newlines and control characters, and the leading quote means
 * the value can never start a line, so it cannot be read as a workflow command (`::set-output`).
 */
export function quote(value: string): string {
  // JSON leaves DEL, C1 controls and Unicode line separators raw; some log viewers break lines on them.
  const json = JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  // Long values are cut: the message only has to identify the input.
  return json.length > 202 ? `${json.slice(0, 200)}…"` : json
}
