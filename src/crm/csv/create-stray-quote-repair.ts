/**
 * Repairs, before Papa Parse reads it, a quoted CSV value that goes on after its closing quote
 * (`"Acme" Inc`): it becomes one quoted value (`"Acme Inc"`), read as spreadsheets and Python's
 * csv module read it. Papa Parse would otherwise take the quote for a stray one and read on to the
 * next quote that ends a value, swallowing every row in between into one field.
 *
 * Only quotes are looked at (found with `indexOf`), so text without quotes passes unchanged at
 * next to no cost. A quote opens a value only right at the start of a field, as Papa Parse reads
 * it; a closing quote may be followed by spaces before the separator or line end.
 */

/** Feeds text through the repair piece by piece; see {@link createStrayQuoteRepair}. */
export interface StrayQuoteRepair {
  /** Takes the next piece of text; returns what can be passed on (the end may be held back until the next piece decides it). */
  next(text: string): string
  /** The input has ended: returns the text still held back. */
  end(): string
  /** Whether the input ended inside a quoted value (a quote never closed); known after {@link end}. */
  endedInQuotes(): boolean
  /** How many values were repaired. */
  repaired(): number
  /** The characters taken so far since the quote of the value still open (0 when none is open). */
  openQuoteLength(): number
}

/** Creates a {@link StrayQuoteRepair} for a file whose fields are separated by `delimiter` (one character). */
export function createStrayQuoteRepair(delimiter: string): StrayQuoteRepair {
  let inQuotes = false
  // The character before the text held in `carry` ('' at the start of the file).
  let prev = ''
  let carry = ''
  let count = 0
  let endedInQuotes = false
  // Characters taken in all, and where (in them) the quote of the open value is.
  let received = 0
  let openedAt = 0
  const isBreak = (c: string | undefined) => c === '\n' || c === '\r'
  const endsValue = (c: string | undefined) => c === delimiter || isBreak(c)

  // Repairs `s` (the held-back text plus the new piece); holds back what it cannot decide yet.
  const run = (s: string, final: boolean): string => {
    const base = received - s.length
    let out = ''
    let from = 0
    let i = 0
    const holdFrom = (at: number) => {
      out += s.slice(from, at)
      prev = at > 0 ? (s[at - 1] as string) : prev
      carry = s.slice(at)
      return out
    }
    for (;;) {
      const q = s.indexOf('"', i)
      if (q === -1) break
      if (!inQuotes) {
        const before = q > 0 ? s[q - 1] : prev
        if (before === '' || endsValue(before)) {
          inQuotes = true
          openedAt = base + q
        }
        i = q + 1
        continue
      }
      // Inside a quoted value: this quote is an escaped one (""), the value's end, or an end
      // followed by more text.
      let j = q + 1
      while (s[j] === ' ' || (s[j] === '\t' && delimiter !== '\t')) j++
      if (j >= s.length) {
        if (!final) return holdFrom(q)
        inQuotes = false
        i = j
        continue
      }
      if (j === q + 1 && s[j] === '"') {
        i = q + 2
        continue
      }
      if (endsValue(s[j])) {
        inQuotes = false
        i = j
        continue
      }
      // More text before the separator: it belongs to the value, with its quotes doubled.
      let e = j
      while (e < s.length && !endsValue(s[e])) e++
      if (e >= s.length && !final) return holdFrom(q)
      out += `${s.slice(from, q)}${s.slice(q + 1, e).replaceAll('"', '""')}"`
      count++
      from = e
      i = e
      inQuotes = false
    }
    out += s.slice(from)
    if (s.length > 0) prev = s[s.length - 1] as string
    carry = ''
    return out
  }

  return {
    next(text) {
      received += text.length
      // Most text holds no quote at all: passed on as it is.
      if (carry === '' && !inQuotes && !text.includes('"')) {
        if (text.length > 0) prev = text[text.length - 1] as string
        return text
      }
      return run(carry + text, false)
    },
    end() {
      const out = run(carry, true)
      endedInQuotes = inQuotes
      return out
    },
    endedInQuotes: () => endedInQuotes,
    repaired: () => count,
    openQuoteLength: () => (inQuotes ? received - openedAt : 0),
  }
}
