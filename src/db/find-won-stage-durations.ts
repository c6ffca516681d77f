import { type Kysely, sql } from 'kysely'
import { daysBetweenSql } from './deal-derived-sql.js'
import type { StageDurationCount } from './model-deal.js'
import type { Database } from './schema.js'

/**
 * How long won deals (closed on or before `asOf`) stayed in each stage, from stage history: whole
 * days per stay, counted by stage and length. A stay with no recorded end ends at the close.
 * Empty when the store has no stage history.
 */
export async function findWonStageDurations(db: Kysely<Database>, asOf: string): Promise<StageDurationCount[]> {
  const days = daysBetweenSql(db, sql.ref('sh.entered_at'), sql`coalesce(sh.left_at, deals.closed_date)`)
  const rows = await db
    .selectFrom('stage_history as sh')
    .innerJoin('deals', 'deals.deal_id', 'sh.deal_id')
    .where('deals.outcome', '=', 'won')
    .where('deals.archived', '=', 0)
    .where('deals.closed_date', '<=', asOf)
    .select([sql<string>`sh.stage`.as('stage'), days.as('days'), sql<number>`count(*)`.as('deals')])
    .groupBy([sql`sh.stage`, days])
    .execute()
  return rows.map((r) => ({ stage: r.stage, days: Number(r.days), deals: Number(r.deals) }))
}
