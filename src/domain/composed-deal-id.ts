// Any character past ASCII: only such an id can have another Unicode spelling.
const NON_ASCII = /[\u0080-\uffff]/

/**
 * A deal id in Unicode's composed form (NFC), otherwise exactly as given: the same text typed on
 * one system and saved by another (`Café-1` with `é` as one character, or as `e` plus a combining
 * accent, as macOS file names and some exports write it) is one deal id. ASCII ids are returned
 * as they are, without the cost of normalising.
 * @example composedDealId('Cafe\u0301-1') // 'Caf\u00e9-1'
 */
export function composedDealId(id: string): string {
  return NON_ASCII.test(id) ? id.normalize('NFC') : id
}
