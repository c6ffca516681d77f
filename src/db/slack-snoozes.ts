import type { Kysely } from 'kysely'
import { keyedApartId } from '../domain/crm-deal-key.js'
import type { Database } from './schema.js'

/**
 * Quiets a deal's alerts until `untilDate` (exclusive, `YYYY-MM-DD`) while its owner is the one
 * it was asked for: `ownerEmail` (the email the deal's DMs go to then, kept lower-case), else,
 * without one, `ownerId` (the deal's owner id then). A later snooze replaces an earlier one.
 */
export async function snoozeDeal(
  db: Kysely<Database>,
  snooze: { dealId: string; untilDate: string; by: string; now: Date; ownerId?: string | null; ownerEmail?: string | null },
): Promise<void> {
  const ownerId = snooze.ownerId ?? null
  const ownerEmail = snooze.ownerEmail?.trim().toLowerCase() || null
  await db
    .insertInto('slack_snoozes')
    .values({
      deal_id: snooze.dealId,
      until_date: snooze.untilDate,
      snoozed_by: snooze.by,
      created_at: snooze.now.toISOString(),
      owner_id: ownerId,
      owner_email: ownerEmail,
    })
    .onConflict((oc) =>
      oc.column('deal_id').doUpdateSet({ until_date: snooze.untilDate, snoozed_by: snooze.by, owner_id: ownerId, owner_email: ownerEmail }),
    )
    .execute()
}

/**
 * Deal ids snoozed on `asOf` (their snooze ends after it) for the owner they have now: a snooze
 * asked for by an earlier owner does not keep a deal handed to another owner quiet. The owner is
 * matched as the DMs find them, by email (the deal's own, else its owner's in `owners`; in any
 * case), when the snooze recorded one; else by owner id (a CRM's owner since kept apart under
 * `<crm>:<id>`, see `crmOwnerKey`, is the owner its CRM id named); a snooze that recorded
 * neither, or of a deal no longer in the store, holds.
 */
export async function findSnoozedDealIds(db: Kysely<Database>, asOf: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('slack_snoozes as s')
    .leftJoin('deals as d', 'd.deal_id', 's.deal_id')
    .leftJoin('owners as o', 'o.owner_id', 'd.owner_id')
    .select(['s.deal_id', 's.owner_id', 's.owner_email', 'd.deal_id as current_deal', 'd.owner_id as current_owner_id', 'd.source'])
    .select((eb) => eb.fn.coalesce('d.owner_email', 'o.email').as('current_email'))
    .where('s.until_date', '>', asOf)
    .execute()
  const held = rows.filter((r) => {
    if (r.current_deal === null) return true
    if (r.owner_email !== null) return r.owner_email === (r.current_email?.trim().toLowerCase() || null)
    if (r.owner_id === null || r.owner_id === r.current_owner_id) return true
    // The CRM's deals of an owner moved apart since (`hubspot:42`): still the owner the snooze was for.
    return r.source !== null && r.current_owner_id === keyedApartId(r.source, r.owner_id)
  })
  return new Set(held.map((r) => r.deal_id))
}
