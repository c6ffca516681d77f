import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { openStore, type Store } from '../../src/db/open-store.js'
import { findStageOrder, saveStageOrder, stagesFromNames } from '../../src/db/save-stage-order.js'
import { describeEachDialect, dropTestSchema, durableStoreOptions } from '../helpers/each-dialect.js'
import { tempDir } from '../helpers/test-store.js'

const opened: Store[] = []
afterEach(async () => {
  for (const store of opened.splice(0).reverse()) await store.close()
})

describeEachDialect('saveStageOrder', (dialect) => {
  it('replaces the stored order, and a configured order gives way to one a CRM saved', async () => {
    const store = await dialect.open()
    opened.push(store)
    await saveStageOrder(store.db, stagesFromNames(['Qualified', 'Demo', 'Closed']), 'config')
    await saveStageOrder(store.db, stagesFromNames(['Lead', 'Closed Won', 'Closed Lost']), 'hubspot')
    await saveStageOrder(store.db, stagesFromNames(['Qualified', 'Closed']), 'config')
    expect((await findStageOrder(store.db)).map((s) => s.name)).toEqual(['Lead', 'Closed Won', 'Closed Lost'])
  })

  it("gives a CRM's new order's spelling to the stages the store holds in another case, and leaves the store as it is when the order is the same", async () => {
    const store = await dialect.open()
    opened.push(store)
    await saveStageOrder(store.db, stagesFromNames(['Qualified', 'Closed']), 'config')
    await store.db
      .insertInto('deals')
      .values([
        { ...heldDeal('csv-1', 'csv'), stage: 'contract' },
        { ...heldDeal('csv-2', 'csv'), stage: 'CONTRACT', outcome: 'lost', lost_at_stage: 'CONTRACT' },
        { ...heldDeal('csv-3', 'csv'), stage: 'legal review' },
      ])
      .execute()
    await store.db
      .insertInto('stage_history')
      .values([
        { deal_id: 'csv-1', stage: 'appointment', entered_at: '2024-05-01', left_at: '2024-05-03' },
        { deal_id: 'csv-1', stage: 'contract', entered_at: '2024-05-03', left_at: null },
        // The same stay in two spellings: one is kept.
        { deal_id: 'csv-1', stage: 'Contract', entered_at: '2024-05-03', left_at: null },
      ])
      .execute()
    const versionOf = async () =>
      (await store.db.selectFrom('meta').select('value').where('key', '=', 'data_version').executeTakeFirst())?.value ?? null
    const before = await versionOf()
    await saveStageOrder(store.db, stagesFromNames(['Appointment', 'Contract', 'Closed Won', 'Closed Lost']), 'hubspot')
    const deals = await store.db.selectFrom('deals').select(['deal_id', 'stage', 'lost_at_stage']).orderBy('deal_id').execute()
    expect(deals.map((d) => [d.deal_id, d.stage, d.lost_at_stage])).toEqual([
      ['csv-1', 'Contract', null],
      ['csv-2', 'Contract', 'Contract'],
      ['csv-3', 'legal review', null],
    ])
    const stays = await store.db.selectFrom('stage_history').select(['stage', 'entered_at']).orderBy('entered_at').execute()
    expect(stays.map((h) => h.stage)).toEqual(['Appointment', 'Contract'])
    const folded = await versionOf()
    expect(folded).not.toBe(before)
    // The same order again: nothing to fold, and the report summaries stay current.
    await store.db.updateTable('deals').set({ stage: 'contract' }).where('deal_id', '=', 'csv-1').execute()
    await saveStageOrder(store.db, stagesFromNames(['Appointment', 'Contract', 'Closed Won', 'Closed Lost']), 'hubspot')
    expect(await versionOf()).toBe(folded)
    expect((await store.db.selectFrom('deals').select('stage').where('deal_id', '=', 'csv-1').executeTakeFirstOrThrow()).stage).toBe(
      'contract',
    )
  })

  it("merges a CRM's order with another CRM's whose deals the store holds, the same whichever saves last", async () => {
    const store = await dialect.open()
    opened.push(store)
    const hubspot = stagesFromNames(['Appointment', 'Contract', 'Closed Won', 'Closed Lost'])
    const salesforce = stagesFromNames(['Prospecting', 'Negotiation', 'Closed Won', 'Closed Lost'])
    await saveStageOrder(store.db, hubspot, 'hubspot')
    // No HubSpot deal held yet: Salesforce's order replaces HubSpot's.
    expect(await saveStageOrder(store.db, salesforce, 'salesforce')).toEqual([])
    await store.db.insertInto('deals').values(heldDeal('hs-1', 'hubspot')).execute()
    await store.db.insertInto('deals').values(heldDeal('sf-1', 'salesforce')).execute()
    await saveStageOrder(store.db, hubspot, 'hubspot')
    const merged = ['Appointment', 'Contract', 'Prospecting', 'Negotiation', 'Closed Won', 'Closed Lost']
    expect((await findStageOrder(store.db)).map((s) => s.name)).toEqual(merged)
    expect(await saveStageOrder(store.db, salesforce, 'salesforce')).toEqual(['hubspot'])
    expect((await findStageOrder(store.db)).map((s) => s.name)).toEqual(merged)
    // A configured order still gives way.
    await saveStageOrder(store.db, stagesFromNames(['Qualified', 'Closed']), 'config')
    expect((await findStageOrder(store.db)).map((s) => s.name)).toEqual(merged)
  })

  // Several instances share a database on PostgreSQL only; two imports, or an import and a sync,
  // each save the order as they commit.
  it.runIf(dialect.name === 'postgres')(
    'saves from two connections at once without a duplicate stage, leaving one of the orders whole',
    async () => {
      const where = durableStoreOptions(dialect, join(tempDir(), 'pulse.db'))
      const first = await openStore(where)
      const second = await openStore(where)
      opened.push(first, second)
      const a = stagesFromNames(['Qualified', 'Demo', 'Proposal', 'Closed'])
      const b = stagesFromNames(['Qualified', 'Demo', 'Negotiation', 'Closed'])
      for (let round = 0; round < 10; round++) {
        const results = await Promise.allSettled(
          Array.from({ length: 6 }, (_, i) => saveStageOrder((i % 2 === 0 ? first : second).db, i % 3 === 0 ? a : b, 'config')),
        )
        expect(results.filter((r) => r.status === 'rejected')).toEqual([])
        const names = (await findStageOrder(first.db)).map((s) => s.name)
        expect([a.map((s) => s.name), b.map((s) => s.name)]).toContainEqual(names)
      }
      if (where.schema) await dropTestSchema(first.db, where.schema)
    },
  )
})

// Another process holds the SQLite write lock for a moment (a CSV import committing, a sync):
// the save waits its turn, as every other write does, instead of failing with "database is busy"
// because it read the stored order before it asked to write.
it('on SQLite, waits for a write another process holds instead of failing at once', async () => {
  const path = join(tempDir('pulse-stage-busy-'), 'pulse.db')
  const store = await openStore({ path })
  opened.push(store)
  await saveStageOrder(store.db, stagesFromNames(['Qualified', 'Closed']), 'config')
  const holder = await holdWriteLock(path, 1500)
  const started = Date.now()
  await saveStageOrder(store.db, stagesFromNames(['Qualified', 'Demo', 'Closed']), 'config')
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
  expect(await holder.exited).toBe(0)
  expect((await findStageOrder(store.db)).map((s) => s.name)).toEqual(['Qualified', 'Demo', 'Closed'])
})

/**
 * Starts a process that takes the write lock of the SQLite file at `path` and releases it after
 * `ms`; resolves once the lock is held, with a promise of the process's exit code.
 */
async function holdWriteLock(path: string, ms: number): Promise<{ exited: Promise<number | null> }> {
  const script = `const D = require('better-sqlite3'); const db = new D(process.argv[1]); db.exec('BEGIN IMMEDIATE'); db.exec("INSERT INTO meta (key, value) VALUES ('held', '1') ON CONFLICT (key) DO NOTHING"); process.stdout.write('held\\n'); setTimeout(() => { db.exec('ROLLBACK'); db.close() }, ${ms})`
  const child = spawn(process.execPath, ['-e', script, path], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('held')) resolve()
    })
    child.on('exit', (code) => reject(new Error(`the lock holder exited with ${code} before taking the lock`)))
  })
  return { exited }
}

/** A deal row of `source` (the fields a stage-order save looks at, the rest filled in). */
function heldDeal(dealId: string, source: string) {
  return {
    deal_id: dealId,
    source,
    deal_name: null,
    owner_id: 'o1',
    owner_email: null,
    created_date: '2024-05-01',
    created_month: '2024-05',
    closed_date: null,
    closed_month: null,
    outcome: 'open' as const,
    stage: 'Contract',
    stage_entered_date: null,
    lost_at_stage: null,
    amount: 1000,
    amount_band: '<10k',
    currency: null,
    industry: 'Unknown',
    region: 'Unknown',
    product_type: 'Unknown',
    lead_source: 'Unknown',
    sales_cycle_days: null,
    last_activity_date: null,
    updated_date: null,
    crm_url: null,
    extra: null,
    import_run_id: null,
  }
}
