import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { afterEach, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { parseColumnMap } from '../../src/crm/csv/csv-columns.js'
import { beginSyncRun } from '../../src/db/begin-sync-run.js'
import { openStore, type Store } from '../../src/db/open-store.js'
import { DATABASE_FULL, DATABASE_READ_ONLY, isDatabaseFull, isDatabaseReadOnly, userMessage } from '../../src/errors.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { describeEachDialect, dropTestSchema, durableStoreOptions } from '../helpers/each-dialect.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,sales_cycle_days,outcome'
const GOOD = [
  'D1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Proposal,12000,30,Won',
  'D2,2024-01-05,2024-03-01,rep_2,FinTech,APAC,Pro,Referral,Negotiation,55000,56,Lost',
  'D3,2024-02-10,,rep_1,SaaS,EMEA,Core,Outbound,Demo,8000,,Open',
]
const csv = (...rows: string[]) => `${[HEADER, ...rows].join('\n')}\n`
const options = (path: string) => ({ path, stages: DEFAULT_STAGES, now: new Date('2024-06-01T00:00:00Z') })

/** How many deals `store` holds. */
async function countDeals(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom('deals')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** `store`, whose close drops `schema` first (a PostgreSQL test's own schema); `store` as it is without one. */
function droppingSchemaOnClose(store: Store, schema: string | undefined): Store {
  if (!schema) return store
  return {
    ...store,
    close: async () => {
      await dropTestSchema(store.db, schema)
      await store.close()
    },
  }
}

let store: Store
afterEach(async () => store?.close())

describeEachDialect('importCsvFile', (dialect) => {
  it('imports every good row and derives months, bands and the stage a lost deal was lost at', async () => {
    store = await dialect.open()
    const summary = await importCsvFile(store, options(writeTempFile('d.csv', csv(...GOOD))))
    expect(summary).toMatchObject({ read: 3, inserted: 3, updated: 0, rejected: 0 })
    const rows = await store.db.selectFrom('deals').selectAll().orderBy('deal_id').execute()
    expect(rows.map((r) => [r.deal_id, r.outcome, r.closed_month, r.amount_band, r.lost_at_stage])).toEqual([
      ['D1', 'won', '2024-02', '10k-50k', null],
      ['D2', 'lost', '2024-03', '50k-100k', 'Negotiation'],
      ['D3', 'open', null, '<10k', null],
    ])
    expect(await store.db.selectFrom('owners').select('owner_id').orderBy('owner_id').execute()).toEqual([
      { owner_id: 'rep_1' },
      { owner_id: 'rep_2' },
    ])
  })

  it("quarantines a row whose deal_id a CRM sync stored, naming the CRM, and keeps the CRM's deal and history (parsed here or on a worker)", async () => {
    store = await dialect.open()
    const now = new Date('2024-06-01T00:00:00Z')
    // A HubSpot sync ran, and stored deal D2 with its history (a full row copied from an imported deal).
    await beginSyncRun(store.db, { source: 'hubspot', mode: 'incremental', startedBy: null, now })
    await importCsvFile(store, options(writeTempFile('seed.csv', csv(GOOD[0] as string))))
    const synced = { ...(await store.db.selectFrom('deals').selectAll().where('deal_id', '=', 'D1').executeTakeFirstOrThrow()) }
    await store.db.deleteFrom('deals').where('deal_id', '=', 'D1').execute()
    await store.db
      .insertInto('deals')
      .values({ ...synced, deal_id: 'D2', source: 'hubspot', amount: 777 })
      .execute()
    await store.db.insertInto('stage_history').values({ deal_id: 'D2', stage: 'Demo', entered_at: '2024-01-05', left_at: null }).execute()
    for (const threads of ['inline', 'worker'] as const) {
      const summary = await importCsvFile(store, { ...options(writeTempFile('mix.csv', csv(...GOOD))), threads })
      expect(summary).toMatchObject({ read: 3, rejected: 1 })
      expect(summary.firstRejects).toEqual([
        {
          line: 3,
          reason:
            "deal_id D2 is a deal synced from HubSpot, and a CSV row does not replace a CRM's deal: if this row is another deal, give it an id of its own; if it is the same deal, leave it out (the HubSpot sync keeps it up to date)",
        },
      ])
      const d2 = await store.db.selectFrom('deals').select(['source', 'amount']).where('deal_id', '=', 'D2').executeTakeFirstOrThrow()
      expect(d2).toEqual({ source: 'hubspot', amount: 777 })
      expect(await store.db.selectFrom('stage_history').select('stage').where('deal_id', '=', 'D2').execute()).toEqual([{ stage: 'Demo' }])
    }
  })

  it("takes the stage order's spelling for a stage written in another case, in the deal and its history", async () => {
    store = await dialect.open()
    const header = `${HEADER},stage_history`
    const rows = [
      'D1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,proposal,12000,,Open,QUALIFIED@2024-01-02;demo@2024-01-09;proposal@2024-01-20',
      'D2,2024-01-05,,rep_2,SaaS,EMEA,Core,Inbound,Scoping,5000,,Open,Scoping@2024-01-05',
    ]
    const path = writeTempFile('case.csv', `${[header, ...rows].join('\n')}\n`)
    const summary = await importCsvFile(store, { ...options(path), stages: ['Qualified', 'Demo', 'Proposal', 'Closed'] })
    expect(summary.unknownStages).toEqual(['Scoping'])
    const deals = await store.db.selectFrom('deals').select(['deal_id', 'stage']).orderBy('deal_id').execute()
    expect(deals).toEqual([
      { deal_id: 'D1', stage: 'Proposal' },
      { deal_id: 'D2', stage: 'Scoping' },
    ])
    const history = await store.db.selectFrom('stage_history').select('stage').where('deal_id', '=', 'D1').orderBy('entered_at').execute()
    expect(history.map((h) => h.stage)).toEqual(['Qualified', 'Demo', 'Proposal'])
  })

  it('re-importing the same file changes nothing and counts every row as updated', async () => {
    store = await dialect.open()
    const path = writeTempFile('d.csv', csv(...GOOD))
    await importCsvFile(store, options(path))
    const before = await store.db.selectFrom('deals').selectAll().orderBy('deal_id').execute()
    const again = await importCsvFile(store, options(path))
    expect(again).toMatchObject({ inserted: 0, updated: 3 })
    const after = await store.db.selectFrom('deals').selectAll().orderBy('deal_id').execute()
    expect(after.map(({ import_run_id: _, ...r }) => r)).toEqual(before.map(({ import_run_id: _, ...r }) => r))
  })

  it('keeps what is stored in an optional column that a later file does not have, and clears it when the file has it empty', async () => {
    store = await dialect.open()
    const full = `${HEADER},deal_name,owner_email,currency,last_activity_date,updated_date,crm_url\n`
    await importCsvFile(
      store,
      options(writeTempFile('a.csv', `${full}${GOOD[2]},Acme renewal,Ana@Acme.com,EUR,2024-05-20,2024-05-21,https://crm.example/D3\n`)),
    )
    const d3 = () => store.db.selectFrom('deals').selectAll().where('deal_id', '=', 'D3').executeTakeFirstOrThrow()
    const kept = {
      deal_name: 'Acme renewal',
      owner_email: 'ana@acme.com',
      currency: 'EUR',
      last_activity_date: '2024-05-20',
      updated_date: '2024-05-21',
      crm_url: 'https://crm.example/D3',
    }
    // A narrower export (the required columns only) updates what it carries and leaves the rest as
    // stored, also when parsed on a worker thread (as a large file is).
    const narrower = GOOD[2]!.replace(',8000,,Open', ',9500,12,Open')
    const b = { ...options(writeTempFile('b.csv', csv(narrower))), threads: 'worker' as const }
    expect(await importCsvFile(store, b)).toMatchObject({ updated: 1 })
    expect(await d3()).toMatchObject({ ...kept, amount: 9500, sales_cycle_days: 12 })
    // Without sales_cycle_days either, the stored 12 stays.
    const noCycle = `${HEADER.replace(',sales_cycle_days', '')}\n${narrower.replace(',12,Open', ',Open')}\n`
    await importCsvFile(store, options(writeTempFile('c.csv', noCycle)))
    expect(await d3()).toMatchObject({ ...kept, sales_cycle_days: 12 })
    // A column the file has, left empty, says the value is gone.
    await importCsvFile(store, options(writeTempFile('d.csv', `${full}${GOOD[2]},,,,,,\n`)))
    expect(await d3()).toMatchObject({
      deal_name: null,
      owner_email: null,
      currency: null,
      last_activity_date: null,
      updated_date: null,
      crm_url: null,
      sales_cycle_days: null,
    })
  })

  it('keeps the open stage a lost deal was lost at when a later file names only its closed stage (Closed Lost)', async () => {
    store = await dialect.open()
    const lostAt = async (id: string) =>
      await store.db.selectFrom('deals').select(['stage', 'lost_at_stage']).where('deal_id', '=', id).executeTakeFirstOrThrow()
    // L1's history says where it was lost; L2's deal_stage does; L3 is lost at a closed stage from the start.
    const first = [
      `${HEADER},stage_history`,
      'L1,2024-01-05,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Closed Lost,60000,27,Lost,Qualified@2024-01-05;Proposal@2024-01-20;Closed Lost@2024-02-01',
      'L2,2024-01-05,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Negotiation,60000,27,Lost,',
      'L3,2024-01-05,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Closed Lost,60000,27,Lost,',
      'L4,2024-01-05,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,60000,27,Lost,',
    ]
    await importCsvFile(store, options(writeTempFile('a.csv', `${first.join('\n')}\n`)))
    expect(await lostAt('L1')).toEqual({ stage: 'Proposal', lost_at_stage: 'Proposal' })
    // An export without stage_history names the closed stage of every lost deal: it says nothing new
    // about where L1 and L2 were lost. L4 was lost at another open stage: that is news, and taken.
    const later = [
      'L1,2024-01-05,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Closed Lost,60000,27,Lost',
      'L2,2024-01-05,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Closed Lost,60000,27,Closed Lost',
      'L3,2024-01-05,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Closed Lost,60000,27,Lost',
      'L4,2024-01-05,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Proposal,60000,27,Lost',
    ]
    const summary = await importCsvFile(store, options(writeTempFile('b.csv', csv(...later))))
    expect(summary).toMatchObject({ updated: 4 })
    // Its note counts the one deal whose stage lost at is still not known, not the three the file names so.
    expect(summary.lostAtClosedStage).toEqual([{ stage: 'Closed Lost', deals: 1 }])
    expect(await lostAt('L1')).toEqual({ stage: 'Proposal', lost_at_stage: 'Proposal' })
    expect(await lostAt('L2')).toEqual({ stage: 'Negotiation', lost_at_stage: 'Negotiation' })
    expect(await lostAt('L3')).toEqual({ stage: 'Closed Lost', lost_at_stage: 'Closed Lost' })
    expect(await lostAt('L4')).toEqual({ stage: 'Proposal', lost_at_stage: 'Proposal' })
    // A deal reopened (on March 1, the day of that import) and lost again is a new loss: its stage is taken as the file gives it.
    const reopened = 'L2,2024-01-05,,rep_1,SaaS,EMEA,Core,Inbound,Demo,60000,,Open'
    await importCsvFile(store, { ...options(writeTempFile('c.csv', csv(reopened))), now: new Date('2024-03-01T00:00:00Z') })
    await importCsvFile(store, options(writeTempFile('d.csv', csv(later[1]!.replace('2024-02-01', '2024-04-01')))))
    expect(await lostAt('L2')).toEqual({ stage: 'Closed Lost', lost_at_stage: 'Closed Lost' })
  })

  it("passes an owner's new email in a later (partial) file on to the deals of theirs the file leaves out", async () => {
    store = await dialect.open()
    const header = `${HEADER},owner_email`
    const first = [
      'E1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,60000,,Open,ana@old.example',
      'E2,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,70000,,Open,ana@old.example',
      'E3,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,70000,30,Won,ana@old.example',
      'E4,2024-01-02,,rep_2,SaaS,EMEA,Core,Inbound,Demo,80000,,Open,ben@example.com',
    ]
    await importCsvFile(store, options(writeTempFile('a.csv', `${[header, ...first].join('\n')}\n`)))
    // The newer file holds one of Ana's deals, with her new address, and one of Ben's with his own.
    const later = [
      'E1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,60000,,Open,ana@new.example',
      'E4,2024-01-02,,rep_2,SaaS,EMEA,Core,Inbound,Demo,80000,,Open,ben@example.com',
    ]
    await importCsvFile(store, options(writeTempFile('b.csv', `${[header, ...later].join('\n')}\n`)))
    const emails = await store.db.selectFrom('deals').select(['deal_id', 'owner_email']).orderBy('deal_id').execute()
    expect(emails.map((d) => [d.deal_id, d.owner_email])).toEqual([
      ['E1', 'ana@new.example'],
      ['E2', 'ana@new.example'],
      ['E3', 'ana@new.example'],
      ['E4', 'ben@example.com'],
    ])
    const owners = await store.db.selectFrom('owners').select(['owner_id', 'email']).orderBy('owner_id').execute()
    expect(owners).toEqual([
      { owner_id: 'rep_1', email: 'ana@new.example' },
      { owner_id: 'rep_2', email: 'ben@example.com' },
    ])
  })

  it('takes a later row of a lost deal that names only its closed stage, dated by its last open stage, as an update, not as an older row', async () => {
    store = await dialect.open()
    const header = `${HEADER},stage_entered_date,stage_history`
    const row =
      'L1,2024-01-05,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Closed Lost,60000,27,Lost,2024-01-20,Qualified@2024-01-05;Proposal@2024-01-20;Closed Lost@2024-02-01'
    await importCsvFile(store, options(writeTempFile('a.csv', `${header}\n${row}\n`)))
    // The same deal in an export without stage_history, its amount corrected.
    const later = 'L1,2024-01-05,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Closed Lost,65000,27,Lost,2024-01-20'
    const summary = await importCsvFile(store, options(writeTempFile('b.csv', `${HEADER},stage_entered_date\n${later}\n`)))
    expect(summary).toMatchObject({ updated: 1, staysKeptFromStore: 0 })
    const stored = await store.db.selectFrom('deals').select(['stage', 'lost_at_stage', 'amount']).executeTakeFirstOrThrow()
    expect({ ...stored, amount: Number(stored.amount) }).toEqual({ stage: 'Proposal', lost_at_stage: 'Proposal', amount: 65000 })
  })

  it("takes a lost deal's stage from a later file when the stage order it comes with renamed that stage", async () => {
    store = await dialect.open()
    await importCsvFile(
      store,
      options(writeTempFile('a.csv', csv('R1,2024-01-05,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,60000,27,Lost'))),
    )
    // Demo is called Discovery now, in PULSE_STAGES and in the export.
    const renamed = ['Qualified', 'Discovery', 'Proposal', 'Negotiation', 'Closed']
    const later = 'R1,2024-01-05,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Discovery,60000,27,Lost'
    await importCsvFile(store, { ...options(writeTempFile('b.csv', csv(later))), stages: renamed })
    const stored = await store.db.selectFrom('deals').select(['stage', 'lost_at_stage']).executeTakeFirstOrThrow()
    expect(stored).toEqual({ stage: 'Discovery', lost_at_stage: 'Discovery' })
    // A file naming only the closed stage still says nothing new: the stage lost at stays.
    await importCsvFile(store, { ...options(writeTempFile('c.csv', csv(later.replace('Discovery', 'Closed Lost')))), stages: renamed })
    expect(await store.db.selectFrom('deals').select(['stage', 'lost_at_stage']).executeTakeFirstOrThrow()).toEqual(stored)
  })

  it('updates a changed deal and records its stage change as history', async () => {
    store = await dialect.open()
    await importCsvFile(store, options(writeTempFile('a.csv', csv(...GOOD))))
    const moved = 'D3,2024-02-10,,rep_1,SaaS,EMEA,Core,Outbound,Proposal,9000,,Open'
    const summary = await importCsvFile(store, { ...options(writeTempFile('b.csv', csv(moved))), now: new Date('2024-03-15T00:00:00Z') })
    expect(summary).toMatchObject({ inserted: 0, updated: 1 })
    const deal = await store.db.selectFrom('deals').selectAll().where('deal_id', '=', 'D3').executeTakeFirstOrThrow()
    expect([deal.stage, deal.amount]).toEqual(['Proposal', 9000])
    const history = await store.db.selectFrom('stage_history').selectAll().where('deal_id', '=', 'D3').orderBy('entered_at').execute()
    expect(history).toEqual([
      { deal_id: 'D3', stage: 'Demo', entered_at: '2024-02-10', left_at: '2024-03-15' },
      { deal_id: 'D3', stage: 'Proposal', entered_at: '2024-03-15', left_at: null },
    ])
  })

  it("dates the deal's new stage by the stage change, and keeps that date while later files show the same stage", async () => {
    store = await dialect.open()
    await importCsvFile(store, options(writeTempFile('a.csv', csv(...GOOD))))
    const moved = 'D3,2024-02-10,,rep_1,SaaS,EMEA,Core,Outbound,Proposal,9000,,Open'
    const entered = async () =>
      (await store.db.selectFrom('deals').select('stage_entered_date').where('deal_id', '=', 'D3').executeTakeFirstOrThrow())
        .stage_entered_date
    await importCsvFile(store, { ...options(writeTempFile('b.csv', csv(moved))), now: new Date('2024-03-15T00:00:00Z') })
    expect(await entered()).toBe('2024-03-15')
    await importCsvFile(store, { ...options(writeTempFile('c.csv', csv(moved))), now: new Date('2024-04-20T00:00:00Z') })
    expect(await entered()).toBe('2024-03-15')
    // A row that dates its stage itself is taken at its word.
    await importCsvFile(store, options(writeTempFile('d.csv', `${HEADER},stage_entered_date\n${moved},2024-03-01\n`)))
    expect(await entered()).toBe('2024-03-01')
  })

  it('an older export imported over a newer one keeps the deal as stored, its stage and history agreeing, rather than close a stay before it began, and counts it', async () => {
    store = await dialect.open()
    const header = `${HEADER},stage_entered_date,stage_history`
    // Newer export: D3 went from Demo to Proposal on March 10; D4 is at Demo, without a history.
    const newer = [
      'D3,2024-02-10,,rep_1,SaaS,EMEA,Core,Outbound,Proposal,8000,,Open,,Demo@2024-02-10;Proposal@2024-03-10',
      'D4,2024-02-01,,rep_2,SaaS,EMEA,Core,Outbound,Demo,5000,,Open,2024-02-01,',
    ]
    await importCsvFile(store, options(writeTempFile('new.csv', `${header}\n${newer.join('\n')}\n`)))
    const stays = async () =>
      store.db.selectFrom('stage_history').selectAll().orderBy('deal_id').orderBy('entered_at').orderBy('stage').execute()
    const before = await stays()
    // Older export: D3 still at Demo (entered February 10) at its older amount, no history; D4 moves on to Proposal on March 20, a real change.
    const older = [
      'D3,2024-02-10,,rep_1,SaaS,EMEA,Core,Outbound,Demo,7000,,Open,2024-02-10',
      'D4,2024-02-01,,rep_2,SaaS,EMEA,Core,Outbound,Proposal,5000,,Open,2024-03-20',
    ]
    const file = writeTempFile('old.csv', `${HEADER},stage_entered_date\n${older.join('\n')}\n`)
    const summary = await importCsvFile(store, { ...options(file), now: new Date('2024-04-01T00:00:00Z') })
    // D4 is updated; D3 is kept as stored (its history, row and all), so not counted as updated.
    expect(summary).toMatchObject({ read: 2, inserted: 0, updated: 1, rejected: 0, staysKeptFromStore: 1 })
    const after = await stays()
    expect(after.filter((h) => h.deal_id === 'D3')).toEqual(before.filter((h) => h.deal_id === 'D3'))
    expect(after.filter((h) => h.deal_id === 'D3').map((h) => [h.stage, h.entered_at, h.left_at])).toEqual([
      ['Demo', '2024-02-10', '2024-03-10'],
      ['Proposal', '2024-03-10', null],
    ])
    expect(after.filter((h) => h.deal_id === 'D4').map((h) => [h.stage, h.entered_at, h.left_at])).toEqual([
      ['Demo', '2024-02-01', '2024-03-20'],
      ['Proposal', '2024-03-20', null],
    ])
    expect(after.filter((h) => h.left_at !== null && h.left_at < h.entered_at)).toEqual([])
    // D3's row is the newer export's, as its open stay says: in Proposal since March 10, at 8,000.
    const dealRows = async () =>
      store.db.selectFrom('deals').select(['deal_id', 'stage', 'stage_entered_date', 'amount']).orderBy('deal_id').execute()
    expect((await dealRows()).map((d) => [d.deal_id, d.stage, d.stage_entered_date, Number(d.amount)])).toEqual([
      ['D3', 'Proposal', '2024-03-10', 8000],
      ['D4', 'Proposal', '2024-03-20', 5000],
    ])
    const rowsAfter = await dealRows()
    // Importing the older export again changes nothing and says so again.
    expect(await importCsvFile(store, options(file))).toMatchObject({ inserted: 0, updated: 1, staysKeptFromStore: 1 })
    // import_runs agrees with the summary: D3 is neither inserted nor updated.
    const runs = await store.db
      .selectFrom('import_runs')
      .select(['rows_read', 'rows_inserted', 'rows_updated', 'rows_rejected'])
      .orderBy('run_id')
      .execute()
    expect(runs.slice(1).map((r) => [r.rows_read, r.rows_inserted, r.rows_updated, r.rows_rejected].map(Number))).toEqual([
      [2, 0, 1, 0],
      [2, 0, 1, 0],
    ])
    expect(await stays()).toEqual(after)
    expect(await dealRows()).toEqual(rowsAfter)
  })

  it('counts the date notes and unknown stages of the rows it takes only, not of those kept as stored (older than the store), parsed here or on a worker', async () => {
    const header = `${HEADER},last_activity_date,stage_entered_date`
    const today = '2024-06-01'
    // Newer export: K1 and K2 moved on to Proposal on April 1; U1 is at Proposal, U2 won on July 1 (after today).
    const newer = [
      'K1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Proposal,80000,,Open,2024-05-01,2024-04-01',
      'K2,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Proposal,80000,,Open,2024-05-01,2024-04-01',
      'U1,2024-01-02,,rep_2,SaaS,EMEA,Core,Inbound,Proposal,60000,,Open,2024-05-01,2024-04-01',
      'U2,2024-01-02,2024-07-01,rep_2,SaaS,EMEA,Core,Inbound,Closed,60000,,Won,2024-05-01,2024-04-01',
      'U3,2024-01-02,,rep_2,SaaS,EMEA,Core,Inbound,Demo,60000,,Open,2024-05-01,2024-02-01',
    ]
    // Older export: K1 and K2 still at an earlier stage (older than the store: kept as stored), with every date note
    // and a stage the order does not name; U1 and U2 are taken, and give one date note each too; U3 moves on to
    // another stage the order does not name.
    const older = [
      'K1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Discovery,80000,,Open,2099-05-01,2023-12-01',
      'K2,2024-01-02,2099-01-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,80000,,Won,2024-03-01,2024-02-01',
      'U1,2024-01-02,,rep_2,SaaS,EMEA,Core,Inbound,Proposal,60000,,Open,2099-05-01,2023-12-15',
      'U2,2024-01-02,2024-07-01,rep_2,SaaS,EMEA,Core,Inbound,Closed,60000,,Won,2024-05-01,2024-04-01',
      'U3,2024-01-02,,rep_2,SaaS,EMEA,Core,Inbound,Pilot,60000,,Open,2024-05-01,2024-05-15',
    ]
    for (const threads of ['inline', 'worker'] as const) {
      store = await dialect.open()
      const newFile = writeTempFile('new.csv', `${header}\n${newer.join('\n')}\n`)
      await importCsvFile(store, { ...options(newFile), today, threads })
      const oldFile = writeTempFile('old.csv', `${header}\n${older.join('\n')}\n`)
      const summary = await importCsvFile(store, { ...options(oldFile), today, threads })
      expect(summary, threads).toMatchObject({
        read: 5,
        updated: 3,
        staysKeptFromStore: 2,
        unknownStages: ['Pilot'],
        activityAfterToday: 1,
        closedAfterToday: 1,
        stageBeforeCreated: 1,
      })
      const kept = await store.db
        .selectFrom('deals')
        .select(['deal_id', 'stage'])
        .where('deal_id', 'in', ['K1', 'K2'])
        .orderBy('deal_id')
        .execute()
      expect(kept, threads).toEqual([
        { deal_id: 'K1', stage: 'Proposal' },
        { deal_id: 'K2', stage: 'Proposal' },
      ])
      // Into an empty store nothing is kept: every row's notes count.
      const fresh = await dialect.open()
      try {
        expect(await importCsvFile(fresh, { ...options(oldFile), today, threads }), threads).toMatchObject({
          staysKeptFromStore: 0,
          unknownStages: ['Discovery', 'Pilot'],
          activityAfterToday: 2,
          closedAfterToday: 2,
          stageBeforeCreated: 2,
        })
      } finally {
        await fresh.close()
      }
      // The last store is closed after the test.
      if (threads === 'inline') await store.close()
    }
  })

  it("leaves an owner's email as stored when only rows kept as stored (older than the store) give another one", async () => {
    store = await dialect.open()
    const header = `${HEADER},owner_email,stage_history`
    const newer = [
      'K1,2024-02-10,,rep_1,SaaS,EMEA,Core,Outbound,Proposal,8000,,Open,ana@new.example,Demo@2024-02-10;Proposal@2024-03-10',
      'K2,2024-02-10,,rep_1,SaaS,EMEA,Core,Outbound,Demo,8000,,Open,ana@new.example,',
      'K3,2024-02-10,,rep_2,SaaS,EMEA,Core,Outbound,Proposal,8000,,Open,ben@old.example,Demo@2024-02-10;Proposal@2024-03-10',
    ]
    await importCsvFile(store, options(writeTempFile('new.csv', `${header}\n${newer.join('\n')}\n`)))
    // An older export: K1 and K3 still at Demo (kept as stored), with their owners' addresses of then;
    // K4, a deal of Ben's the store does not have yet, gives his new address before K3's row does.
    const older = [
      'K4,2024-02-12,,rep_2,SaaS,EMEA,Core,Outbound,Demo,8000,,Open,ben@new.example,2024-02-12',
      'K1,2024-02-10,,rep_1,SaaS,EMEA,Core,Outbound,Demo,8000,,Open,ana@old.example,2024-02-10',
      'K3,2024-02-10,,rep_2,SaaS,EMEA,Core,Outbound,Demo,8000,,Open,ben@older.example,2024-02-10',
    ]
    const summary = await importCsvFile(
      store,
      options(writeTempFile('old.csv', `${HEADER},owner_email,stage_entered_date\n${older.join('\n')}\n`)),
    )
    expect(summary).toMatchObject({ inserted: 1, updated: 0, staysKeptFromStore: 2 })
    const deals = await store.db.selectFrom('deals').select(['deal_id', 'owner_email']).orderBy('deal_id').execute()
    expect(deals.map((d) => [d.deal_id, d.owner_email])).toEqual([
      ['K1', 'ana@new.example'],
      ['K2', 'ana@new.example'],
      ['K3', 'ben@new.example'],
      ['K4', 'ben@new.example'],
    ])
    const owners = await store.db.selectFrom('owners').select(['owner_id', 'email']).orderBy('owner_id').execute()
    expect(owners).toEqual([
      { owner_id: 'rep_1', email: 'ana@new.example' },
      { owner_id: 'rep_2', email: 'ben@new.example' },
    ])
  })

  it('takes a row with another created date as the deal anew, even when its stage change is dated before the stored history ends', async () => {
    store = await dialect.open()
    const header = `${HEADER},stage_entered_date,stage_history`
    const stored = 'D5,2024-02-10,,rep_1,SaaS,EMEA,Core,Outbound,Proposal,8000,,Open,,Demo@2024-02-10;Proposal@2024-03-10'
    await importCsvFile(store, options(writeTempFile('first.csv', `${header}\n${stored}\n`)))
    // The same id for a deal created in January, at Demo since January 20: not an older copy of
    // the stored deal (whose timeline starts on February 10), so the file is taken at its word.
    const other = 'D5,2024-01-05,,rep_1,SaaS,EMEA,Core,Outbound,Demo,3000,,Open,2024-01-20'
    const summary = await importCsvFile(store, {
      ...options(writeTempFile('other.csv', `${HEADER},stage_entered_date\n${other}\n`)),
      now: new Date('2024-04-01T00:00:00Z'),
    })
    expect(summary).toMatchObject({ updated: 1, staysKeptFromStore: 0 })
    const row = await store.db
      .selectFrom('deals')
      .select(['created_date', 'stage', 'amount'])
      .where('deal_id', '=', 'D5')
      .executeTakeFirstOrThrow()
    expect([row.created_date, row.stage, Number(row.amount)]).toEqual(['2024-01-05', 'Demo', 3000])
  })

  it('dates a stage change that the row does not date by the close when the deal closed before the import', async () => {
    store = await dialect.open()
    await importCsvFile(store, options(writeTempFile('a.csv', csv(...GOOD))))
    const lost = 'D3,2024-02-10,2024-04-20,rep_1,SaaS,EMEA,Core,Outbound,Negotiation,8000,70,Lost'
    await importCsvFile(store, options(writeTempFile('b.csv', csv(lost))))
    const history = await store.db.selectFrom('stage_history').selectAll().where('deal_id', '=', 'D3').orderBy('entered_at').execute()
    expect(history).toEqual([
      { deal_id: 'D3', stage: 'Demo', entered_at: '2024-02-10', left_at: '2024-04-20' },
      { deal_id: 'D3', stage: 'Negotiation', entered_at: '2024-04-20', left_at: null },
    ])
  })

  it.each([
    ['unparseable date', 'B1,2024-13-40,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,,Open', 'created_date "2024-13-40" is not a date'],
    ['negative amount', 'B1,2024-01-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,-5,,Open', 'deal_amount "-5" is negative'],
    ['non-numeric amount', 'B1,2024-01-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,lots,,Open', 'deal_amount "lots" is not a number'],
    ['unknown outcome', 'B1,2024-01-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,,Maybe', 'outcome "Maybe" is not Won, Lost or Open'],
    [
      'sales cycle too long to store',
      'B1,2024-01-01,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,3000000000,Lost',
      'sales_cycle_days "3000000000" is more than 100 years',
    ],
    [
      'region too long to be an index key',
      `B1,2024-01-01,,rep_1,SaaS,${'Région'.repeat(200)},Core,Inbound,Demo,100,,Open`,
      'region is 1,400 bytes long',
    ],
    [
      'amount too large to add up',
      'B1,2024-01-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,1e308,,Open',
      'deal_amount "1e308" is larger than any deal',
    ],
    [
      'closed before created',
      'B1,2024-02-01,2024-01-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,,Lost',
      'closed_date 2024-01-01 is before created_date 2024-02-01',
    ],
  ])('quarantines a row with %s and imports the good rows', async (_name, bad, reason) => {
    store = await dialect.open()
    const summary = await importCsvFile(store, options(writeTempFile('d.csv', csv(GOOD[0] as string, bad, GOOD[1] as string))))
    expect(summary).toMatchObject({ read: 3, inserted: 2, rejected: 1 })
    expect(summary.firstRejects).toEqual([{ line: 3, reason: expect.stringContaining(reason) }])
    const rejected = await store.db.selectFrom('rejected_rows').selectAll().execute()
    expect(rejected).toEqual([{ run_id: summary.runId, line: 3, reason: expect.stringContaining(reason), raw: bad }])
  })

  it('quarantines a duplicate id within the file, naming the first line', async () => {
    store = await dialect.open()
    const summary = await importCsvFile(
      store,
      options(writeTempFile('d.csv', csv(GOOD[0] as string, GOOD[1] as string, GOOD[0] as string))),
    )
    expect(summary).toMatchObject({ inserted: 2, rejected: 1 })
    expect(summary.firstRejects[0]).toEqual({ line: 4, reason: 'deal_id D1 appears again (first on line 2)' })
  })

  it('reads one id spelled in two Unicode forms (composed and with a combining accent) as one deal, within a file and across imports', async () => {
    store = await dialect.open()
    const composed = 'Caf\u00e9-1'
    const decomposed = 'Cafe\u0301-1'
    const row = (id: string, amount: number) => `${id},2024-02-10,,rep_1,SaaS,EMEA,Core,Outbound,Demo,${amount},,Open`
    const summary = await importCsvFile(store, options(writeTempFile('d.csv', csv(row(composed, 8000), row(decomposed, 9000)))))
    expect(summary).toMatchObject({ inserted: 1, rejected: 1 })
    expect(summary.firstRejects).toEqual([{ line: 3, reason: `deal_id ${composed} appears again (first on line 2)` }])
    // A later export written the other way updates the same deal.
    const again = await importCsvFile(store, options(writeTempFile('e.csv', csv(row(decomposed, 9500)))))
    expect(again).toMatchObject({ inserted: 0, updated: 1, rejected: 0 })
    expect(await store.db.selectFrom('deals').select(['deal_id', 'amount']).execute()).toEqual([{ deal_id: composed, amount: 9500 }])
  })

  it('counts lines correctly after a quoted field that spans lines', async () => {
    store = await dialect.open()
    const file = writeTempFile(
      'd.csv',
      `${HEADER},deal_name\n${GOOD[0]},"two\nlines"\nB1,2024-01-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,-1,,Open,x\n`,
    )
    const summary = await importCsvFile(store, options(file))
    expect(summary.firstRejects).toEqual([{ line: 4, reason: expect.stringContaining('negative') }])
  })

  it('imports the rows after a value that goes on past its closing quote, and quarantines a row the file ends inside', async () => {
    store = await dialect.open()
    const file = writeTempFile(
      'd.csv',
      `${HEADER}\n${GOOD[0]}\nS1,2024-01-02,,rep_1,"Acme" Inc,EMEA,Core,Inbound,Demo,10,,Open\n${GOOD[1]}\nS2,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,10,,"Open`,
    )
    const summary = await importCsvFile(store, options(file))
    expect(summary).toMatchObject({ read: 4, inserted: 3, rejected: 1 })
    expect(summary.firstRejects).toEqual([{ line: 5, reason: expect.stringContaining('file ends inside a quoted value') }])
    const s1 = await store.db.selectFrom('deals').select('industry').where('deal_id', '=', 'S1').executeTakeFirstOrThrow()
    expect(s1.industry).toBe('Acme Inc')
  })

  it('quarantines a row whose quote, never closed in it, reads later rows into its value, instead of losing them unseen', async () => {
    store = await dialect.open()
    // S1's name opens a quote that the quote of S3's name closes: S2 and the start of S3 are read into it.
    const file = writeTempFile(
      'd.csv',
      [
        `${HEADER},deal_name`,
        `${GOOD[0]},Fine`,
        `S1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,10,,Open,"Acme 24`,
        'S2,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,10,,Open,Beta',
        'S3,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,10,,Open,"Gamma"',
        `${GOOD[1]},"Notes, over\ntwo lines, with commas"`,
        `${GOOD[2]},Last`,
        '',
      ].join('\n'),
    )
    for (const threads of ['inline', 'worker'] as const) {
      const summary = await importCsvFile(store, { ...options(file), threads })
      expect(summary, threads).toMatchObject({ rejected: 1 })
      expect(summary.firstRejects, threads).toEqual([
        {
          line: 3,
          reason:
            'a quoted value runs from line 3 to line 5 and holds 2 lines that look like rows of the file: a quote opened in this row and closed only on line 5? Close the quote where the value ends (or remove it) and import again',
        },
      ])
      // A value over two lines that are no rows is read as before.
      const deals = await store.db.selectFrom('deals').select(['deal_id', 'deal_name']).orderBy('deal_id').execute()
      expect(deals, threads).toEqual([
        { deal_id: 'D1', deal_name: 'Fine' },
        { deal_id: 'D2', deal_name: 'Notes, over\ntwo lines, with commas' },
        { deal_id: 'D3', deal_name: 'Last' },
      ])
    }
  })

  it.each([
    ['missing required columns', 'deal_id,created_date\nD1,2024-01-01\n', /lacks required columns sales_rep_id, industry/],
    ['an empty file', '', /is empty/],
    ['a header without rows', `${HEADER}\n`, /no deal rows/],
    ['a file that is not CSV', '{"deals": [1, 2, 3]}\n', /looks like JSON, not CSV/],
  ])('refuses %s and writes nothing', async (_name, text, message) => {
    store = await dialect.open()
    await expect(importCsvFile(store, options(writeTempFile('d.csv', text)))).rejects.toThrow(message)
    expect(await store.db.selectFrom('deals').select('deal_id').execute()).toEqual([])
    expect(await store.db.selectFrom('import_runs').select('run_id').execute()).toEqual([])
  })

  it('refuses a file with won or lost deals but no closed_date column, offering the --map for its header, and writes nothing', async () => {
    store = await dialect.open()
    const text = csv(...GOOD).replace('closed_date', 'Close Date')
    await expect(importCsvFile(store, options(writeTempFile('d.csv', text)))).rejects.toThrow(
      /won or lost deals but no closed_date column.*nothing was imported.*--map closed_date="Close Date"/,
    )
    expect(await store.db.selectFrom('deals').select('deal_id').execute()).toEqual([])
    expect(await store.db.selectFrom('rejected_rows').select('line').execute()).toEqual([])
    expect(await store.db.selectFrom('import_runs').select('run_id').execute()).toEqual([])
  })

  it('imports a file of open deals only that has no closed_date column', async () => {
    store = await dialect.open()
    const header = HEADER.replace('closed_date,', '')
    const text = `${header}\nD3,2024-02-10,rep_1,SaaS,EMEA,Core,Outbound,Demo,8000,,Open\nD4,2024-02-11,rep_2,SaaS,EMEA,Core,Outbound,Demo,9000,,\n`
    const summary = await importCsvFile(store, options(writeTempFile('d.csv', text)))
    expect(summary).toMatchObject({ read: 2, inserted: 2, rejected: 0 })
  })

  it('refuses a file that is not UTF-8, even when the bad bytes come after good rows, and writes nothing', async () => {
    store = await dialect.open()
    const latin1 = Buffer.concat([
      Buffer.from(csv(...GOOD)),
      Buffer.from('D9,2024-01-01,,rep_1,Caf'),
      Buffer.from([0xe9]),
      Buffer.from(',EMEA,Core,Inbound,Demo,1,,Open\n'),
    ])
    await expect(importCsvFile(store, options(writeTempFile('d.csv', latin1)))).rejects.toThrow(/not UTF-8/)
    expect(await store.db.selectFrom('deals').select('deal_id').execute()).toEqual([])
  })

  it('quarantines an amount with one group of three digits after a dot or comma in a semicolon-separated file, on either thread, keeping its row as the file separates it', async () => {
    // Commas separate the rows' fields here; a comma inside an amount is written as ^.
    const semicolons = (...rows: string[]) =>
      csv(...rows)
        .replaceAll(',', ';')
        .replaceAll('^', ',')
    const file = writeTempFile(
      'eu.csv',
      semicolons(
        'E1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Proposal,12.500,30,Won',
        'E2,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Proposal,€1^250,30,Won',
        'E3,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Proposal,12.5,30,Won',
        'E4,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Proposal,12500,30,Won',
      ),
    )
    for (const threads of ['inline', 'worker'] as const) {
      store = await dialect.open()
      const summary = await importCsvFile(store, { ...options(file), threads })
      expect(summary, threads).toMatchObject({ inserted: 2, rejected: 2 })
      expect(summary.firstRejects.map((r) => [r.line, r.reason])).toEqual([
        [
          2,
          'deal_amount "12.500" could mean 12500 or 12.5 (semicolon-separated files come from spreadsheets that may write either mark between thousands or before decimals); write it as one of those',
        ],
        [
          3,
          'deal_amount "€1,250" could mean 1250 or 1.25 (semicolon-separated files come from spreadsheets that may write either mark between thousands or before decimals); write it as one of those',
        ],
      ])
      // Each quarantined row's text is the line as the file has it, to fix and paste back.
      const raw = await store.db.selectFrom('rejected_rows').select(['line', 'raw']).orderBy('line').execute()
      expect(raw, threads).toEqual([
        { line: 2, raw: 'E1;2024-01-02;2024-02-01;rep_1;SaaS;EMEA;Core;Inbound;Proposal;12.500;30;Won' },
        { line: 3, raw: 'E2;2024-01-02;2024-02-01;rep_1;SaaS;EMEA;Core;Inbound;Proposal;€1,250;30;Won' },
      ])
      const amounts = await store.db.selectFrom('deals').select(['deal_id', 'amount']).orderBy('deal_id').execute()
      expect(amounts.map((d) => [d.deal_id, Number(d.amount)])).toEqual([
        ['E3', 12.5],
        ['E4', 12500],
      ])
      await store.close()
    }
    // The same value in a comma-separated file is a plain decimal number.
    store = await dialect.open()
    const comma = await importCsvFile(
      store,
      options(writeTempFile('us.csv', csv('U1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Proposal,12.500,30,Won'))),
    )
    expect(comma).toMatchObject({ inserted: 1, rejected: 0 })
  })

  it('in a tab-separated file, reads 12.500 and 12,500 as written only when another amount shows a dot before its decimals, on either thread', async () => {
    const tabs = (...rows: string[]) =>
      csv(...rows)
        .replaceAll(',', '\t')
        .replaceAll('^', ',')
    const row = (id: string, amount: string) => `${id},2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Proposal,${amount},30,Won`
    const why = 'tab-separated files come from spreadsheets in any locale, and no other amount in this file shows a dot before its decimals'
    // A decimal-comma locale: 1.250.000 groups thousands with dots, so 12.500 is not twelve and a half.
    const eu = writeTempFile('eu.tsv', tabs(row('E1', '12.500'), row('E2', '12^500'), row('E3', '1.250.000'), row('E4', '12500')))
    // The same ambiguous amounts where the file's last row shows a dot before decimals.
    const us = writeTempFile('us.tsv', tabs(row('U1', '12.500'), row('U2', '$12^500'), row('U3', '1^250.50')))
    for (const threads of ['inline', 'worker'] as const) {
      store = await dialect.open()
      const summary = await importCsvFile(store, { ...options(eu), threads })
      expect(summary, threads).toMatchObject({ inserted: 1, rejected: 3 })
      expect(summary.firstRejects.map((r) => [r.line, r.reason])).toEqual([
        [2, `deal_amount "12.500" could mean 12500 or 12.5 (${why}); write it as one of those`],
        [3, `deal_amount "12,500" could mean 12500 or 12.5 (${why}); write it as one of those`],
        [4, 'deal_amount "1.250.000" is not a number (write it as 4253.50, $4,253.50 or USD 4,253.50)'],
      ])
      await store.close()
      store = await dialect.open()
      expect(await importCsvFile(store, { ...options(us), threads }), threads).toMatchObject({ inserted: 3, rejected: 0 })
      const amounts = await store.db.selectFrom('deals').select(['deal_id', 'amount']).orderBy('deal_id').execute()
      expect(amounts.map((d) => [d.deal_id, Number(d.amount)])).toEqual([
        ['U1', 12.5],
        ['U2', 12500],
        ['U3', 1250.5],
      ])
      await store.close()
    }
    // A comma-separated file reads 12,500 as 12500, whatever its other amounts.
    store = await dialect.open()
    const comma = await importCsvFile(store, options(writeTempFile('us.csv', csv(row('C1', '"12,500"'), row('C2', '"1.250,00"')))))
    expect(comma).toMatchObject({ inserted: 1, rejected: 1 })
    expect(Number((await store.db.selectFrom('deals').select('amount').executeTakeFirstOrThrow()).amount)).toBe(12500)
  })

  it('accepts a BOM, other header cases and --map for renamed columns', async () => {
    store = await dialect.open()
    const header = HEADER.replace('deal_amount', 'Deal Value').replace('outcome', 'OUTCOME')
    const file = writeTempFile('d.csv', `\uFEFF${header}\n${GOOD[0]}\n`)
    const summary = await importCsvFile(store, { ...options(file), map: parseColumnMap(['deal_amount=Deal Value']) })
    expect(summary).toMatchObject({ inserted: 1, rejected: 0 })
    expect((await store.db.selectFrom('deals').select('amount').executeTakeFirstOrThrow()).amount).toBe(12000)
  })

  // Several instances share a database on PostgreSQL only (one SQLite file has one writer process).
  it.runIf(dialect.name === 'postgres')(
    'runs two imports of overlapping files from two instances at once: each deal once, counted new exactly once',
    async () => {
      const where = durableStoreOptions(dialect, join(tempDir(), 'pulse.db'))
      store = await openStore(where)
      const other = await openStore(where)
      const rows = (from: number) =>
        Array.from({ length: 3000 }, (_, i) => `C${from + i},2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,,Open`)
      const [a, b] = await Promise.all([
        importCsvFile(store, options(writeTempFile('a.csv', csv(...rows(0))))),
        importCsvFile(other, options(writeTempFile('b.csv', csv(...rows(2000))))),
      ])
      await other.close()
      expect(a.inserted + b.inserted).toBe(5000)
      expect(a.updated + b.updated).toBe(1000)
      expect(await countDeals(store)).toBe(5000)
      store = droppingSchemaOnClose(store, where.schema)
    },
  )

  it.runIf(dialect.name === 'postgres')(
    'runs two large imports from two instances at once: the one that sets the indexes aside does not deadlock with the other',
    async () => {
      const where = durableStoreOptions(dialect, join(tempDir(), 'pulse.db'))
      store = await openStore(where)
      const other = await openStore(where)
      // Large files (over 5 MB, about 50,000 rows by the import's estimate), so that each import
      // drops and rebuilds the indexes, while each holds only 1,500 deals: an extra column pads the rows.
      const pad = 'x'.repeat(3600)
      const file = (name: string, from: number) =>
        writeTempFile(
          name,
          `${HEADER},notes\n${Array.from({ length: 1500 }, (_, i) => `L${from + i},2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,,Open,${pad}`).join('\n')}\n`,
        )
      try {
        const [a, b] = await Promise.all([
          importCsvFile(store, options(file('a.csv', 0))),
          importCsvFile(other, options(file('b.csv', 1000))),
        ])
        expect(a.inserted + b.inserted).toBe(2500)
        expect(a.updated + b.updated).toBe(500)
        expect(await countDeals(store)).toBe(2500)
      } finally {
        await other.close()
        store = droppingSchemaOnClose(store, where.schema)
      }
    },
    60_000,
  )

  it('leaves the database unchanged when the importing process is killed mid-file', async () => {
    const dir = tempDir()
    const where = durableStoreOptions(dialect, join(dir, 'pulse.db'))
    store = await openStore(where)
    await importCsvFile(store, options(writeTempFile('a.csv', csv(...GOOD))))
    const before = await store.db.selectFrom('deals').selectAll().orderBy('deal_id').execute()
    await store.close()

    const big = join(dir, 'big.csv')
    const rows = [HEADER]
    for (let i = 0; i < 300_000; i++) rows.push(`K${i},2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Proposal,12000,30,Won`)
    writeFileSync(big, `${rows.join('\n')}\n`)
    const script = `
      import { openStore } from './src/db/open-store.ts'
      import { importCsvFile } from './src/ingest/import-csv-file.ts'
      const store = await openStore(${JSON.stringify(where)})
      await importCsvFile(store, { path: ${JSON.stringify(big)}, stages: ['Demo'], onProgress: (n, total) => { if (n > total / 3) { process.stdout.write('mid\\n'); process.kill(process.pid, 'SIGKILL') } } })
      process.stdout.write('finished\\n')
    `
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd() })
    let output = ''
    child.stdout.on('data', (d) => {
      output += d
    })
    const signal = await new Promise((resolve) => child.on('exit', (_code, sig) => resolve(sig)))
    expect(signal).toBe('SIGKILL')
    expect(output).toContain('mid')

    store = await openStore(where)
    expect(await store.db.selectFrom('deals').selectAll().orderBy('deal_id').execute()).toEqual(before)
    expect((await store.db.selectFrom('import_runs').select('run_id').execute()).length).toBe(1)
    store = droppingSchemaOnClose(store, where.schema)
  })
})

it('an import into a database it may not write says the file is read-only and keeps the deals stored (SQLite)', async () => {
  store = await openStore({ path: join(tempDir(), 'read-only.db') })
  await importCsvFile(store, options(writeTempFile('d.csv', csv(...GOOD))))
  const before = await store.db.selectFrom('deals').selectAll().orderBy('deal_id').execute()
  // SQLite refuses writes here as it does on a file without write permission (SQLITE_READONLY).
  const sqlite = store.sqlite as NonNullable<Store['sqlite']>
  sqlite.pragma('query_only = ON')
  const error = await importCsvFile(
    store,
    options(writeTempFile('more.csv', csv('N1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,1000,,Open'))),
  ).catch((e: unknown) => e)
  expect(isDatabaseReadOnly(error)).toBe(true)
  expect(userMessage(error)).toBe(DATABASE_READ_ONLY)
  expect(userMessage(error)).toContain('point --db or PULSE_DB at a writable copy')
  sqlite.pragma('query_only = OFF')
  expect(await store.db.selectFrom('deals').selectAll().orderBy('deal_id').execute()).toEqual(before)
})

it('an import that fills the disk says the disk is full and keeps the deals already stored (SQLite)', async () => {
  store = await openStore({ path: join(tempDir(), 'full.db') })
  await importCsvFile(store, options(writeTempFile('d.csv', csv(...GOOD))))
  const before = await store.db.selectFrom('deals').selectAll().orderBy('deal_id').execute()
  // A database capped a few pages above its size fails writes as a full disk does (SQLITE_FULL).
  const sqlite = store.sqlite as NonNullable<Store['sqlite']>
  const pages = sqlite.pragma('page_count', { simple: true }) as number
  sqlite.pragma(`max_page_count = ${pages + 4}`)
  const rows = Array.from({ length: 4000 }, (_, i) => `F${i},2024-01-02,,rep_${i % 9},SaaS,EMEA,Core,Inbound,Demo,${1000 + i},,Open`)
  const error = await importCsvFile(store, options(writeTempFile('big.csv', csv(...rows)))).catch((e: unknown) => e)
  expect(isDatabaseFull(error)).toBe(true)
  expect(userMessage(error)).toBe(DATABASE_FULL)
  expect(await store.db.selectFrom('deals').selectAll().orderBy('deal_id').execute()).toEqual(before)
})

// What follows the commit (the stage order, the report summaries) may wait for another process's
// write: a command stopped then must know the rows are stored, not say nothing was written.
it('tells onCommitted the run id once the rows are stored, as another connection sees them (SQLite)', async () => {
  const path = join(tempDir('pulse-committed-'), 'pulse.db')
  store = await openStore({ path })
  const seen: Array<{ runId: number; deals: unknown; status: unknown }> = []
  const summary = await importCsvFile(store, {
    ...options(writeTempFile('committed.csv', csv(...GOOD))),
    onCommitted: (runId) => {
      const other = new SqliteDatabase(path, { readonly: true })
      try {
        seen.push({
          runId,
          deals: other.prepare('SELECT count(*) FROM deals').pluck().get(),
          status: other.prepare('SELECT status FROM import_runs WHERE run_id = ?').pluck().get(runId),
        })
      } finally {
        other.close()
      }
    },
  })
  expect(seen).toEqual([{ runId: summary.runId, deals: 3, status: 'done' }])
})
