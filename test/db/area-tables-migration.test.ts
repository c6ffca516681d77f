import { type Kysely, sql } from 'kysely'
import { expect, it } from 'vitest'
import * as analytics from '../../migrations/0002-analytics.js'
import * as model from '../../migrations/0003-model.js'
import * as crmSync from '../../migrations/0004-crm-sync.js'
import * as slack from '../../migrations/0005-slack.js'
import * as leanDealIndexes from '../../migrations/0006-lean-deal-indexes.js'
import * as snoozeOwner from '../../migrations/0008-snooze-owner.js'
import { migrateToLatest } from '../../src/db/open-store.js'
import { findSnoozedDealIds, snoozeDeal } from '../../src/db/slack-snoozes.js'
import { insertDeals } from '../analytics/deal-fixtures.js'
import { describeEachDialect } from '../helpers/each-dialect.js'

describeEachDialect('migration 0009 (area tables)', (dialect) => {
  it('a store whose migrations 0002-0005 ran while they were empty gets their tables, as the later migrations leave them, and keeps its deals', async () => {
    const store = await dialect.open()
    try {
      const db = store.db as unknown as Kysely<unknown>
      // The store as an early release left it: 0001-0005 recorded as run, only the core tables there.
      await snoozeOwner.down(db)
      await leanDealIndexes.down(db)
      for (const m of [slack, crmSync, model, analytics]) await m.down(db)
      await sql`DELETE FROM kysely_migration WHERE name >= '0006'`.execute(db)
      await insertDeals(store, [{ deal_id: 'D1', owner_id: 'rep_1', owner_email: 'ana@acme.example' }])
      const schema =
        dialect.name === 'postgres' ? (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(db)).rows[0]?.s : undefined

      await migrateToLatest(store.db, schema)

      for (const table of ['analytics_rollup', 'models', 'deal_scores', 'crm_sync_state', 'job_locks', 'slack_outbox', 'slack_snoozes'])
        expect(await exists(db, 'table', table), table).toBe(true)
      await snoozeDeal(store.db, {
        dealId: 'D1',
        untilDate: '2026-07-07',
        by: 'U1',
        ownerId: 'rep_1',
        now: new Date('2026-06-30T09:00:00Z'),
      })
      expect([...(await findSnoozedDealIds(store.db, '2026-07-01'))]).toEqual(['D1'])
      // Owner-scoped reads use the partial index of migration 0006, not the full one 0005 creates.
      expect(await exists(db, 'index', 'deals_owner_id_outcome')).toBe(false)
      expect(await exists(db, 'index', 'deals_open_owner')).toBe(true)
      expect(await store.db.selectFrom('deals').select('deal_id').execute()).toEqual([{ deal_id: 'D1' }])
    } finally {
      await store.close()
    }
  })
})

/** Whether the store's schema holds the table or index `name`. */
async function exists(db: Kysely<unknown>, type: 'table' | 'index', name: string): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM sqlite_master WHERE type = ${type} AND name = ${name}`
    .execute(db)
    .catch(() =>
      sql<{
        n: number
      }>`SELECT count(*) AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = current_schema() AND c.relname = ${name}`.execute(
        db,
      ),
    )
  return Number(rows[0]?.n) > 0
}
