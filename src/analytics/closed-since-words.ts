import type { StalledDeal } from './report-types.js'

/**
 * How a deal listed as of a past day stands now, after its stage: `(lost since)` for a deal that
 * closed after that day, `(closes 2026-12-03, after this day)` for one whose close date is after
 * the newest record of the store (a planned close: it had not closed when the data was taken), and
 * nothing for a deal still open.
 * @example closedSinceWords({ outcomeNow: 'won', closedDate: '2026-12-03', closePlanned: true }) // ' (closes 2026-12-03, after this day)'
 */
export function closedSinceWords(deal: Pick<StalledDeal, 'outcomeNow' | 'closedDate' | 'closePlanned'>): string {
  if (!deal.outcomeNow) return ''
  if (deal.closePlanned && deal.closedDate) return ` (closes ${deal.closedDate}, after this day)`
  return ` (${deal.outcomeNow} since)`
}
