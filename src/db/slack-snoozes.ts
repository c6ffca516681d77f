import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** Quiets a deal's alerts until `untilDate` (exclusive, `YYYY-MM-DD`); a later snooze replaces an earlier one. */
export async function snoozeDeal(
  db: Kysely<Database>,
  snooze: { dealId: string; untilDate: string; by: string; now: Date },
): Promise<void> {
  await db
    .insertInto('slack_snoozes')
    .values({ deal_id: snooze.dealId, until_date: snooze.untilDate, snoozed_by: snooze.by, created_at: snooze.now.toISOString() })
    .onConflict((oc) => oc.column('deal_id').doUpdateSet({ until_date: snooze.untilDate, snoozed_by: snooze.by }))
    .execute()
}

/** Deal ids snoozed on `asOf` (their snooze ends after it). */
export async function findSnoozedDealIds(db: Kysely<Database>, asOf: string): Promise<Set<string>> {
  const rows = await db.selectFrom('slack_snoozes').select('deal_id').where('until_date', '>', asOf).execute()
  return new Set(rows.map((r) => r.deal_id))
}
