/**
 * The longest id, email, segment value or stage name the store keeps, in UTF-8 bytes. They are
 * keys of the store's indexes, and PostgreSQL refuses an index entry over 2,704 bytes, which
 * would fail the whole import or sync page.
 */
export const MAX_KEY_BYTES = 1000

// A UTF-16 unit is at most 3 UTF-8 bytes: text this short is within the limit without counting.
const SURELY_SHORT = Math.floor(MAX_KEY_BYTES / 3)

/**
 * The UTF-8 length of `value` when it is over {@link MAX_KEY_BYTES}, else null. Counts bytes only
 * for text over a third of the limit, so it costs one length test per short value (every row of
 * an import passes its keys through it).
 * @example keyBytesOver('EMEA') // null
 */
export function keyBytesOver(value: string): number | null {
  if (value.length <= SURELY_SHORT) return null
  const bytes = Buffer.byteLength(value)
  return bytes > MAX_KEY_BYTES ? bytes : null
}

/**
 * `value` cut to at most {@link MAX_KEY_BYTES} UTF-8 bytes (never inside a character), for a CRM
 * field read as a segment: a long text property chosen as the region still groups its deals.
 * @example clipKey('EMEA') // 'EMEA'
 */
export function clipKey(value: string): string {
  if (keyBytesOver(value) === null) return value
  let out = ''
  let bytes = 0
  for (const ch of value) {
    const n = Buffer.byteLength(ch)
    if (bytes + n > MAX_KEY_BYTES) break
    out += ch
    bytes += n
  }
  return out
}
