// Zero-width space, word joiner and byte-order mark: what text copied from a web page or a
// document can carry without anyone seeing it.
const INVISIBLE = /[\u200b\u2060\ufeff]/g

/**
 * `text` without the invisible characters that copying from a web page or a document can leave
 * in it (zero-width space, word joiner, byte-order mark), which would make a word or an email
 * address match nothing. Pure.
 * @example dropInvisible('ana@acme.com\u200b') // 'ana@acme.com'
 */
export function dropInvisible(text: string): string {
  return text.replace(INVISIBLE, '')
}
