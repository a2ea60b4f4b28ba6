/**
 * Quote a user-supplied value for the log or an error message.
 * JSON quoting escapes newlines and control characters, and the leading quote means
 * the value can never start a line, so it cannot be read as a workflow command (`::set-output`).
 */
export function quote(value: string): string {
  const json = JSON.stringify(value)
  // `%` is how workflow commands encode newlines; keep it visibly literal.
  return json.length > 202 ? `${json.slice(0, 200)}…"` : json
}
