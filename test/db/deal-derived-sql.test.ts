import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  closedLastTouchSql,
  daysBetweenSql,
  idleFromSql,
  lastActivityOnSql,
  lastActivitySql,
  openStaleFromOnSql,
  stageEnteredSql,
  stageLostAtSql,
} from '../../src/db/deal-derived-sql.js'
import { findStalePipeline } from '../../src/db/find-stale-pipeline.js'
import { findStalledDeals } from '../../src/db/find-stalled-deals.js'
import type { Store } from '../../src/db/open-store.js'
import { addDays } from '../../src/domain/dates.js'
import {
  type DealDates,
  daysIdle,
  daysInCurrentStage,
  idleFromOf,
  isStale,
  isStalled,
  lastActivityOf,
  stageLostAt,
} from '../../src/domain/deal-derived.js'
import { type FixtureDeal, insertDeals } from '../analytics/deal-fixtures.js'
import { describeEachDialect } from '../helpers/each-dialect.js'

const AS_OF = '2024-06-30'

// Edge cases: missing dates in every combination, ties, touches on and after the close, thresholds hit exactly.
const CASES: FixtureDeal[] = [
  { deal_id: 'open-nothing', created_date: '2024-05-01' },
  { deal_id: 'open-entered-only', created_date: '2024-01-01', stage_entered_date: '2024-06-10' },
  { deal_id: 'open-update-only', created_date: '2024-01-01', updated_date: '2024-05-31' },
  { deal_id: 'open-activity-older', created_date: '2024-01-01', last_activity_date: '2024-05-01', updated_date: '2024-06-20' },
  { deal_id: 'open-activity-newer', created_date: '2024-01-01', last_activity_date: '2024-06-20', updated_date: '2024-05-01' },
  { deal_id: 'open-exactly-30', created_date: '2024-01-01', last_activity_date: '2024-05-31' },
  { deal_id: 'open-exactly-31', created_date: '2024-01-01', last_activity_date: '2024-05-30' },
  { deal_id: 'open-idle-14-big', created_date: '2024-01-01', last_activity_date: '2024-06-16', amount: 50_000 },
  { deal_id: 'open-idle-13-big', created_date: '2024-01-01', last_activity_date: '2024-06-17', amount: 90_000 },
  { deal_id: 'open-future-activity', created_date: '2024-01-01', last_activity_date: '2024-07-05', amount: 90_000 },
  // Dates carried over from another system, before the deal was created: idle (and stale) from its creation.
  { deal_id: 'open-activity-before-created', created_date: '2024-06-20', last_activity_date: '2023-01-15', amount: 90_000 },
  { deal_id: 'open-update-before-created', created_date: '2024-06-10', updated_date: '2023-03-01', amount: 90_000 },
  { deal_id: 'open-entered-before-created', created_date: '2024-06-25', stage_entered_date: '2024-01-01', amount: 90_000 },
  {
    deal_id: 'won-activity-before-created',
    created_date: '2024-02-20',
    closed_date: '2024-03-01',
    outcome: 'won',
    last_activity_date: '2023-01-15',
  },
  { deal_id: 'lost-no-touch', created_date: '2024-01-01', closed_date: '2024-03-01', outcome: 'lost', stage: 'Demo' },
  {
    deal_id: 'lost-at-stage',
    created_date: '2024-01-01',
    closed_date: '2024-03-01',
    outcome: 'lost',
    stage: 'Closed',
    lost_at_stage: 'Proposal',
  },
  {
    deal_id: 'won-touch-on-close',
    created_date: '2024-01-01',
    closed_date: '2024-03-01',
    outcome: 'won',
    updated_date: '2024-03-01',
    last_activity_date: '2024-01-10',
  },
  { deal_id: 'won-touch-after', created_date: '2024-01-01', closed_date: '2024-03-01', outcome: 'won', updated_date: '2024-04-01' },
  { deal_id: 'lost-gap-31', created_date: '2024-01-01', closed_date: '2024-03-01', outcome: 'lost', last_activity_date: '2024-01-30' },
  {
    deal_id: 'lost-gap-30',
    created_date: '2024-01-01',
    closed_date: '2024-03-01',
    outcome: 'lost',
    last_activity_date: '2024-01-31',
    updated_date: '2024-01-02',
  },
  {
    deal_id: 'lost-equal-touches',
    created_date: '2024-01-01',
    closed_date: '2024-03-01',
    outcome: 'lost',
    last_activity_date: '2024-01-20',
    updated_date: '2024-01-20',
  },
]

describeEachDialect('SQL counterparts of the derived deal facts', (dialect) => {
  let store: Store
  beforeAll(async () => {
    store = await dialect.open()
    await insertDeals(store, CASES)
  })
  afterAll(async () => {
    await store.close()
  })

  it('agree with src/domain/deal-derived.ts on every edge case', async () => {
    const rows = await store.db
      .selectFrom('deals')
      .selectAll()
      .select([
        lastActivitySql.as('sql_last_activity'),
        lastActivityOnSql(AS_OF).as('sql_last_activity_on'),
        idleFromSql.as('sql_idle_from'),
        stageLostAtSql.as('sql_lost_at'),
        daysBetweenSql(store.db, lastActivitySql, sql.lit(AS_OF)).as('sql_idle'),
        daysBetweenSql(store.db, stageEnteredSql, sql.lit(AS_OF)).as('sql_in_stage'),
        sql<number>`case when ${openStaleFromOnSql(AS_OF)} < ${addDays(AS_OF, -30)} then 1 else 0 end`.as('sql_open_stale'),
        sql<number>`case when ${closedLastTouchSql} is not null and ${daysBetweenSql(store.db, closedLastTouchSql, 'closed_date')} > 30 then 1 else 0 end`.as(
          'sql_closed_stale',
        ),
      ])
      .execute()
    expect(rows).toHaveLength(CASES.length)
    // No deal idle longer than it has existed.
    const idleOf = new Map(rows.map((r) => [r.deal_id, r.sql_idle]))
    expect(idleOf.get('open-activity-before-created')).toBe(10)
    expect(idleOf.get('open-update-before-created')).toBe(20)
    expect(idleOf.get('open-entered-before-created')).toBe(5)
    // ...and their days are said to run from the creation, not from a stand-in dated before it.
    const fromOf = new Map(rows.map((r) => [r.deal_id, r.sql_idle_from]))
    expect(fromOf.get('open-update-before-created')).toBe('created')
    expect(fromOf.get('open-entered-before-created')).toBe('created')
    expect(fromOf.get('open-activity-before-created')).toBe('activity')
    // A closed deal's quiet spell before its close runs from its creation too: 10 days, not stale.
    const closedStale = new Map(rows.map((r) => [r.deal_id, r.sql_closed_stale]))
    expect(closedStale.get('won-activity-before-created')).toBe(0)
    for (const r of rows) {
      const d = r as unknown as DealDates & { deal_id: string; amount: number }
      const label = r.deal_id
      expect(r.sql_last_activity, label).toBe(lastActivityOf(d))
      // No stage history here: the same date as of that day.
      expect(r.sql_last_activity_on, label).toBe(lastActivityOf(d))
      expect(r.sql_idle_from, label).toBe(idleFromOf(d))
      expect(r.sql_lost_at, label).toBe(stageLostAt(d))
      if (d.outcome === 'open') {
        expect(Math.max(0, r.sql_idle), label).toBe(daysIdle(d, AS_OF))
        expect(Math.max(0, r.sql_in_stage), label).toBe(daysInCurrentStage(d, AS_OF))
        expect(r.sql_open_stale === 1, label).toBe(isStale(d, AS_OF, 30))
      } else {
        expect(r.sql_closed_stale === 1, label).toBe(isStale(d, AS_OF, 30))
      }
    }
  })

  it('stalled and stale queries pick the same deals as isStalled / isStale', async () => {
    const rules = { alertAmount: 50_000, idleDays: 14, staleDays: 30 }
    const all = await store.db.selectFrom('deals').selectAll().execute()
    const stalled = await findStalledDeals(store.db, { asOf: AS_OF }, { ...rules, limit: 0 })
    const expected = all.filter((d) => isStalled(d, AS_OF, rules)).map((d) => d.deal_id)
    expect(stalled.deals.map((d) => d.dealId).sort()).toEqual(expected.sort())
    expect(expected).toContain('open-idle-14-big')
    expect(expected).not.toContain('open-idle-13-big')
    expect(expected).not.toContain('open-activity-before-created')
    expect(expected).not.toContain('open-entered-before-created')
    expect(expected).toContain('open-update-before-created')
    const stale = await findStalePipeline(store.db, { asOf: AS_OF }, 30)
    expect(stale.staleCount).toBe(all.filter((d) => d.outcome === 'open' && isStale(d, AS_OF, 30)).length)
    expect(stale.staleClosedCount).toBe(all.filter((d) => d.outcome !== 'open' && isStale(d, AS_OF, 30)).length)
    expect(stale.staleClosedCount).toBe(3)
    expect(all.filter((d) => d.deal_id.endsWith('-before-created') && isStale(d, AS_OF, 30))).toEqual([])
  })
})
