import type { NormalizedOwner } from './normalized-deal.js'

/**
 * Notes that a page, batch or owner list gives owner `id` the email `email`, under the one rule
 * every write of owners follows on both databases: the last non-empty email given wins, and an
 * owner given none keeps null. `emails` is updated in place (insertion order: each owner's first
 * mention).
 * @example noteOwnerEmail(emails, 'o1', 'ana@example.com'); noteOwnerEmail(emails, 'o1', null) // o1 keeps ana@example.com
 */
export function noteOwnerEmail(emails: Map<string, string | null>, id: string, email: string | null): void {
  if (email !== null || !emails.has(id)) emails.set(id, email)
}

/**
 * The owners of a list, one per id in the order of each one's first listing: an owner listed
 * more than once has the email {@link noteOwnerEmail} keeps (the last non-empty one) and,
 * likewise, the last non-empty name. Pure.
 * @example uniqueOwners([{ ownerId: 'o1', email: 'a@x.com', name: 'Ana' }, { ownerId: 'o1', email: null, name: null }]) // [{ ownerId: 'o1', email: 'a@x.com', name: 'Ana' }]
 */
export function uniqueOwners(owners: readonly NormalizedOwner[]): NormalizedOwner[] {
  const out = new Map<string, NormalizedOwner>()
  for (const o of owners) {
    const before = out.get(o.ownerId)
    out.set(o.ownerId, before ? { ownerId: o.ownerId, email: o.email ?? before.email, name: o.name ?? before.name } : { ...o })
  }
  return [...out.values()]
}
