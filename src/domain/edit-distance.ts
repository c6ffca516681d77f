/**
 * The Levenshtein distance of two short strings: how many single-character insertions,
 * deletions or substitutions turn `a` into `b`. Used to spot a misspelt name.
 * @example editDistance('PULSE_IDLE_DAY', 'PULSE_IDLE_DAYS') // 1
 */
export function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    row = next
  }
  return row[b.length] as number
}
