import { crmName } from './crm-name.js'
import { daysBetween } from './dates.js'

/**
 * The id a CRM's deal is stored under when another source holds its own id: the source, a colon,
 * then the CRM's id.
 * @example keyedApartId('hubspot', '1001') // 'hubspot:1001'
 */
export function keyedApartId(source: string, id: string): string {
  return `${source}:${id}`
}

/** A stored deal as {@link crmDealKey} weighs it: its source and created date (`YYYY-MM-DD`). */
export interface HeldDeal {
  source: string
  createdDate: string
}

/**
 * The stored id (`deal_id`) of deal `id` of CRM `source`, created on `createdDate`, given `heldBy`
 * (the deal stored under a key, undefined when none is). `deal_id` is the one key across sources,
 * and a CSV's numeric ids (`1001`) easily equal a HubSpot deal's:
 * - a CSV deal under the same id created the same day (one day apart at most: time zones) is the
 *   same deal, imported from an export of the CRM before it was synced: the CRM's deal takes it over;
 * - any other deal under the id (another CSV deal, the other CRM's) stays, and the CRM's deal is
 *   stored under {@link keyedApartId} instead, and stays there, so neither replaces the other nor
 *   takes over its stage history.
 * @example crmDealKey('hubspot', '1001', '2024-05-02', (k) => (k === '1001' ? { source: 'csv', createdDate: '2021-01-04' } : undefined)) // 'hubspot:1001'
 */
export function crmDealKey(source: string, id: string, createdDate: string | null, heldBy: (key: string) => HeldDeal | undefined): string {
  const apart = keyedApartId(source, id)
  if (heldBy(apart)?.source === source) return apart
  const holder = heldBy(id)
  if (holder === undefined || holder.source === source) return id
  if (holder.source === 'csv' && createdDate !== null && Math.abs(daysBetween(holder.createdDate, createdDate)) <= 1) return id
  return apart
}

/**
 * A stored source as a person reads it in a sentence: `a CSV import`, `HubSpot`, `Salesforce`.
 * @example sourceInWords('csv') // 'a CSV import'
 */
export function sourceInWords(source: string): string {
  return source === 'csv' ? 'a CSV import' : crmName(source)
}
