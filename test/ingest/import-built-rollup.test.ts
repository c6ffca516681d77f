import { describe, expect, it } from 'vitest'
import type { Store } from '../../src/db/open-store.js'
import { refreshAnalyticsRollup } from '../../src/db/refresh-analytics-rollup.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { writeSampleFiles } from '../../src/sample/write-sample-files.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const STAGES = ['Qualified', 'Demo', 'Proposal', 'Negotiation', 'Closed']
const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,updated_date,stage_entered_date,stage_history\n'

// Rows that take each branch of the rollup's facts: stays past the close, a stay starting after
// it, the same stay twice (the last one wins), no history, touches after the close, date-times,
// a stage outside the order, a deal lost at a stage it never had a stay in.
const EDGE_ROWS = [
  'A,2024-01-02,2024-03-01,r1,SaaS,EMEA,Core,Inbound,Closed,1000,Won,2024-02-20,2024-03-01,,Qualified@2024-01-02;Demo@2024-01-10;Closed@2024-03-05',
  'B,2024-02-01,,r1,SaaS,EMEA,Core,Inbound,Proposal,52000,Open,2024-02-11,2024-02-10,2024-02-09,Qualified@2024-02-01;Demo@2024-02-05;Qualified@2024-02-01;Proposal@2024-02-09',
  'C,2024-01-15,2024-04-02,r2,Retail,NA,Pro,Partner,Demo,7000,Lost,,,,',
  'D,2024-03-03T10:00:00Z,,r2,Retail,NA,Pro,Partner,Legal,250000,open,2024-04-01,2024-03-20,,',
  'E,2024-02-10,2024-05-05,r3,SaaS,APAC,Core,Outbound,Negotiation,90000,Lost,2024-05-09,2024-05-01,2024-04-20,Qualified@2024-02-10;Negotiation@2024-04-20',
  'F,2023-11-20,2024-01-31,r3,SaaS,APAC,Core,Outbound,Security review,15000,Lost,2024-01-20,2024-01-31,2024-01-05,Qualified@2023-11-20;Demo@2023-12-01',
  'G,2024-05-01,2024-05-01,r1,Retail,EMEA,Pro,Inbound,Closed,0,Won,2024-05-01,2024-05-01,2024-05-01,Closed@2024-05-01',
]

async function storedRollup(store: Store) {
  const rows = await store.db.selectFrom('analytics_rollup').selectAll().execute()
  const key = (r: (typeof rows)[number]) => JSON.stringify([r.kind, r.dims, r.v1, r.v2, r.k1, r.k2, r.d])
  const state = await store.db
    .selectFrom('analytics_rollup_state')
    .select(['data_version', 'horizon', 'history', 'open_stages'])
    .executeTakeFirst()
  return {
    rows: rows
      .map((r) => ({ ...r, n: Number(r.n), amount: Number(r.amount), days: Number(r.days) }))
      .sort((a, b) => (key(a) < key(b) ? -1 : 1)),
    state,
  }
}

describeEachDialect('an import into an empty store builds the analytics rollup from its rows', (dialect) => {
  const cases: Array<[string, () => { path: string; map?: Map<'stage_history', string> }]> = [
    ['edge cases', () => ({ path: writeTempFile('edges.csv', HEADER + EDGE_ROWS.join('\n')) })],
    [
      'a sample with stage history',
      () => {
        const out = `${tempDir()}/deals.csv`
        writeSampleFiles({ out, seed: 5, asOf: '2024-07-20', deals: 1500 })
        return { path: out }
      },
    ],
    [
      'a larger sample (5,000 deals, another seed)',
      () => {
        const out = `${tempDir()}/deals.csv`
        writeSampleFiles({ out, seed: 11, asOf: '2025-03-31', deals: 5000 })
        return { path: out }
      },
    ],
    [
      'a sample without stage history',
      () => {
        const out = `${tempDir()}/deals.csv`
        writeSampleFiles({ out, seed: 6, asOf: '2024-07-20', deals: 1500 })
        return { path: out, map: new Map([['stage_history', 'no_such_column']]) }
      },
    ],
  ]
  for (const [label, file] of cases) {
    for (const threads of ['inline', 'worker'] as const) {
      it(`equal to one rebuilt from the store: ${label}, parsed ${threads}`, async () => {
        const store = await dialect.open()
        try {
          const summary = await importCsvFile(store, { ...file(), stages: STAGES, threads })
          expect(summary.rollupFromImport).toBe(true)
          expect(summary.inserted).toBeGreaterThan(0)
          const fromImport = await storedRollup(store)
          expect(fromImport.rows.length).toBeGreaterThan(0)
          expect(await refreshAnalyticsRollup(store)).toBe(true)
          expect(await storedRollup(store)).toEqual(fromImport)
        } finally {
          await store.close()
        }
      })
    }
  }

  it('is not taken when the store already holds deals: a second import refreshes from the store', async () => {
    const store = await dialect.open()
    try {
      const first = writeTempFile('first.csv', HEADER + EDGE_ROWS.slice(0, 3).join('\n'))
      const second = writeTempFile('second.csv', HEADER + EDGE_ROWS.slice(3).join('\n'))
      expect((await importCsvFile(store, { path: first, stages: STAGES })).rollupFromImport).toBe(true)
      const summary = await importCsvFile(store, { path: second, stages: STAGES })
      expect(summary.rollupFromImport).toBe(false)
      const afterSecond = await storedRollup(store)
      expect(afterSecond.state?.data_version).toMatch(new RegExp(`^${summary.runId}:`))
      await refreshAnalyticsRollup(store)
      expect(await storedRollup(store)).toEqual(afterSecond)
    } finally {
      await store.close()
    }
  })
})

describe('an import that is refused', () => {
  it('(missing columns) leaves no rollup behind', async () => {
    const { openTestStore } = await import('../helpers/test-store.js')
    const store = await openTestStore()
    const bad = writeTempFile('bad.csv', 'deal_id,created_date\nA,2024-01-02\n')
    await expect(importCsvFile(store, { path: bad, stages: STAGES })).rejects.toThrow()
    expect(await store.db.selectFrom('analytics_rollup_state').selectAll().execute()).toEqual([])
    await store.close()
  })
})
