/** Quote pairs people put around a value (Slack on macOS, word processors and docs turn straight quotes into curly ones). */
const QUOTES: ReadonlyArray<readonly [string, string]> = [
  ['"', '"'],
  ["'", "'"],
  ['\u201c', '\u201d'],
  ['\u2018', '\u2019'],
  ['\u201e', '\u201c'],
]

/**
 * `"Acme renewal"` -> `Acme renewal`: one pair of surrounding quotes (straight or curly) taken
 * off, and the spaces inside them trimmed. Text without such a pair comes back as it was.
 */
export function unquote(text: string): string {
  for (const [open, close] of QUOTES) {
    if (text.length >= 2 && text.startsWith(open) && text.endsWith(close)) return text.slice(1, -1).trim()
  }
  return text
}
