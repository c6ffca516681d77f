import { formatCount } from './format-figures.js'

/**
 * "2 of the deals open on 2024-03-31 have closed since" for `k` deals open on a past day (`open`:
 * " open on 2024-03-31", with any scope words), saying apart those of them whose close date is after
 * the newest record of the store: "and 1 more has a close date after the newest record (2024-06-02)".
 */
export function closedSinceSentence(
  k: number,
  planned: { readonly count: number; readonly newestRecord: string | null },
  open: string,
): string {
  const later = Math.min(planned.count, k)
  const closed = k - later
  const ahead = (n: number) =>
    `${n === 1 ? 'has' : 'have'} a close date after the newest record${planned.newestRecord ? ` (${planned.newestRecord})` : ''}`
  if (later === 0) return `${formatCount(k)} of the deals${open} ${k === 1 ? 'has' : 'have'} closed since`
  if (closed === 0) return `${formatCount(k)} of the deals${open} ${ahead(k)}`
  return `${formatCount(closed)} of the deals${open} ${closed === 1 ? 'has' : 'have'} closed since, and ${formatCount(later)} more ${ahead(later)}`
}

/**
 * "2 deals open on 2024-03-31 have closed since and are not counted" for `k` deals open on a past
 * day and left out of a list of the deals open now (`open` as in {@link closedSinceSentence}),
 * saying apart, as it does, those whose close date is after the newest record: planned closes,
 * recorded won or lost but not closed when the data was taken. `leftOutOf` names what they are
 * left out of ("counted", "scored").
 */
export function closedSinceLeftOut(
  k: number,
  planned: { readonly count: number; readonly newestRecord: string | null },
  open: string,
  leftOutOf = 'counted',
): string {
  const verb = k === 1 ? 'is' : 'are'
  if (planned.count === 0)
    return `${formatCount(k)} deal${k === 1 ? '' : 's'}${open} ${k === 1 ? 'has' : 'have'} closed since and ${verb} not ${leftOutOf}`
  return `${closedSinceSentence(k, planned, open)}; ${k === 1 ? 'it is' : 'they are'} not ${leftOutOf}`
}
