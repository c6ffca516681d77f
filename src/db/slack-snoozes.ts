import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * Quiets a deal's alerts until `untilDate` (exclusive, `YYYY-MM-DD`) while `ownerId` owns it
 * (the deal's owner when the snooze was asked for); a later snooze replaces an earlier one.
 */
export async function snoozeDeal(
  db: Kysely<Database>,
  snooze: { dealId: string; untilDate: string; by: string; now: Date; ownerId?: string | null },
): Promise<void> {
  const ownerId = snooze.ownerId ?? null
  await db
    .insertInto('slack_snoozes')
    .values({
      deal_id: snooze.dealId,
      until_date: snooze.untilDate,
      snoozed_by: snooze.by,
      created_at: snooze.now.toISOString(),
      owner_id: ownerId,
    })
    .onConflict((oc) => oc.column('deal_id').doUpdateSet({ until_date: snooze.untilDate, snoozed_by: snooze.by, owner_id: ownerId }))
    .execute()
}

/**
 * Deal ids snoozed on `asOf` (their snooze ends after it) for the owner they have now: a snooze
 * asked for by an earlier owner does not keep a deal handed to another owner quiet.
 */
export async function findSnoozedDealIds(db: Kysely<Database>, asOf: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('slack_snoozes as s')
    .leftJoin('deals as d', 'd.deal_id', 's.deal_id')
    .select('s.deal_id')
    .where('s.until_date', '>', asOf)
    .where((eb) => eb.or([eb('s.owner_id', 'is', null), eb('d.deal_id', 'is', null), eb('d.owner_id', '=', eb.ref('s.owner_id'))]))
    .execute()
  return new Set(rows.map((r) => r.deal_id))
}
