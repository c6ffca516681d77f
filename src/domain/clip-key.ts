/**
 * The longest id, email, segment value or stage name the store keeps, in UTF-8 bytes. They are
 * keys of the store's indexes, and PostgreSQL refuses an index entry over 2,704 bytes, which
 * would fail the whole import or sync page.
 */
export const MAX_KEY_BYTES = 1000

/**
 * `value` cut to at most {@link MAX_KEY_BYTES} UTF-8 bytes (never inside a character), for a CRM
 * field read as a segment: a long text property chosen as the region still groups its deals.
 * @example clipKey('EMEA') // 'EMEA'
 */
export function clipKey(value: string): string {
  if (Buffer.byteLength(value) <= MAX_KEY_BYTES) return value
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
