/** "Did you mean" for names a user typed: the known names closest to what they wrote. */

/** Levenshtein distance (insert, delete, substitute), case-sensitive. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

/**
 * Up to `limit` of `known` that are near `typed`, nearest first: the same name in another case, or
 * within a few edits (1 for short names, up to 3 for long ones). Nothing when nothing is near:
 * a wild guess is worse than none. `nearestOnly` keeps only those tied for nearest.
 */
export function nearNames(typed: string, known: Iterable<string>, limit = 3, { nearestOnly = false } = {}): string[] {
  // Typos are an edit or two; a wider net catches unrelated names that merely share a prefix.
  const budget = typed.length < 6 ? 1 : typed.length < 12 ? 2 : 3
  const scored: { name: string; score: number }[] = []
  for (const name of new Set(known)) {
    // Lengths further apart than the budget cannot be within it; skipping them keeps long input cheap.
    if (name === typed || Math.abs(name.length - typed.length) > budget) continue
    const score = name.toLowerCase() === typed.toLowerCase() ? 0 : editDistance(typed.toLowerCase(), name.toLowerCase())
    if (score <= budget) scored.push({ name, score })
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
  const best = scored[0]?.score ?? 0
  return scored
    .filter((s) => !nearestOnly || s.score === best)
    .slice(0, limit)
    .map((s) => s.name)
}
