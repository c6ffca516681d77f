import type { Kysely } from 'kysely'
import type { IdleFrom } from '../domain/deal-derived.js'
import { idleFromSql, lastActivitySql } from './deal-derived-sql.js'
import type { Database } from './schema.js'

/**
 * An open deal's owner email now (lower-case; null when unknown), its last activity
 * (`lastActivityOf`) and which date that is (`idleFrom`), and what a stalled-deal DM says of it
 * now: name, amount and stage.
 */
export interface OpenDealOwner {
  ownerEmail: string | null
  lastActivity: string
  idleFrom: IdleFrom
  ownerId: string
  dealName: string | null
  amount: number
  stage: string
}

/**
 * Of `dealIds`, the deals still open and not archived (deleted in the CRM), each with its owner's
 * email now, lower-case (the deal's own, else the one the `owners` table records for its owner
 * id) and its last activity, as the stalled rule counts it. A deal closed, archived or unknown is
 * absent. In chunks of 500.
 *
 * @example await findOpenDealOwners(db, ['D-7', 'D-8']) // Map { 'D-7' => { ownerEmail: 'ana@acme.com', lastActivity: '2026-02-01', amount: 80000, ... } } (D-8 was won)
 */
export async function findOpenDealOwners(db: Kysely<Database>, dealIds: readonly string[]): Promise<Map<string, OpenDealOwner>> {
  const out = new Map<string, OpenDealOwner>()
  const ids = [...new Set(dealIds)]
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('deals')
      .leftJoin('owners', 'owners.owner_id', 'deals.owner_id')
      .select([
        'deals.deal_id',
        'deals.owner_email',
        'deals.owner_id',
        'deals.deal_name',
        'deals.amount',
        'deals.stage',
        'owners.email as owner_table_email',
        lastActivitySql.as('last_activity'),
        idleFromSql.as('idle_from'),
      ])
      .where('deals.deal_id', 'in', ids.slice(i, i + 500))
      .where('deals.outcome', '=', 'open')
      .where('deals.archived', '=', 0)
      .execute()
    for (const r of rows) {
      out.set(r.deal_id, {
        ownerEmail: (r.owner_email ?? r.owner_table_email)?.trim().toLowerCase() || null,
        lastActivity: r.last_activity,
        idleFrom: r.idle_from,
        ownerId: r.owner_id,
        dealName: r.deal_name,
        amount: Number(r.amount),
        stage: r.stage,
      })
    }
  }
  return out
}
