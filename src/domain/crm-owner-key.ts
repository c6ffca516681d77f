import { keyedApartId } from './crm-deal-key.js'

/** An owner as stored under a key (`owners`): the source that stored it and its email. */
export interface HeldOwner {
  source: string
  email: string | null
}

// Owners recorded before `owners` noted their source (migration 0006): any source's, as before.
const UNKNOWN_SOURCE = 'deals'

const sameEmail = (a: string | null, b: string | null) => a !== null && b !== null && a.trim().toLowerCase() === b.trim().toLowerCase()

/**
 * The stored owner id (`owner_id`, on `owners` and on the CRM's deals) of owner `id` of CRM
 * `source`, whose email there is `email`, given `heldBy` (the owner stored under a key, undefined
 * when none is). Slack access finds a person's deals by owner id through their email, and a
 * hand-made CSV's `sales_rep_id` (`1`, `42`) easily equals a CRM owner's id:
 * - an owner another source (a CSV import, the other CRM) holds under `id` with an email other
 *   than `email` (or when the CRM gives none) is another person: the CRM's owner is stored under
 *   {@link keyedApartId} (`hubspot:42`) instead, and stays there, so neither sees the other's deals;
 * - the same email (in any case), or one held without an email, is the same person: one owner id.
 * @example crmOwnerKey('hubspot', '42', 'ana@x.com', (k) => (k === '42' ? { source: 'csv', email: 'zed@y.com' } : undefined)) // 'hubspot:42'
 */
export function crmOwnerKey(source: string, id: string, email: string | null, heldBy: (key: string) => HeldOwner | undefined): string {
  const apart = keyedApartId(source, id)
  if (heldBy(apart)?.source === source) return apart
  const holder = heldBy(id)
  if (holder === undefined || holder.source === source || holder.source === UNKNOWN_SOURCE) return id
  return holder.email !== null && !sameEmail(holder.email, email) ? apart : id
}

/** A CRM owner a CSV import moves to the id of its own ({@link displacedCrmOwners}). */
export interface DisplacedOwner {
  /** The id the CSV gives another person. */
  id: string
  /** The CRM that stored its owner under `id`. */
  source: string
  /** Where that owner and the CRM's deals of theirs go: {@link keyedApartId}. */
  key: string
}

/**
 * The CRM owners a CSV import's owners (`given`: id -> the file's email, null when it gives none)
 * displace, given the owners stored under those ids (`held`): an id a CRM sync stored for a
 * person whose email is not the one the file gives it is another person's id in the file, and
 * the CRM's owner moves to {@link keyedApartId} (as {@link crmOwnerKey} then keeps it), so the
 * file's owner takes the id without seeing the CRM owner's deals. A row without an email names
 * no one else: it keeps the stored owner. Pure.
 * @example displacedCrmOwners([['42', 'zed@y.com']], new Map([['42', { source: 'hubspot', email: 'ana@x.com' }]])) // [{ id: '42', source: 'hubspot', key: 'hubspot:42' }]
 */
export function displacedCrmOwners(given: Iterable<[string, string | null]>, held: ReadonlyMap<string, HeldOwner>): DisplacedOwner[] {
  const out: DisplacedOwner[] = []
  for (const [id, email] of given) {
    const holder = held.get(id)
    if (holder === undefined || email === null || holder.source === 'csv' || holder.source === UNKNOWN_SOURCE) continue
    if (!sameEmail(holder.email, email)) out.push({ id, source: holder.source, key: keyedApartId(holder.source, id) })
  }
  return out
}
