import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { formatStatus } from '../../src/cli/commands/run-status-command.js'
import { loadConfig } from '../../src/config.js'
import { findSyncStatus } from '../../src/db/find-sync-status.js'
import { openStore, type Store } from '../../src/db/open-store.js'
import { findStageOrder, saveStageOrder, stagesFromNames } from '../../src/db/save-stage-order.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { configuredStages } from '../../src/services/configured-stages.js'
import { loadFunnelReport } from '../../src/services/load-funnel-report.js'
import { applyConfiguredStageOrder, findStageOrderInUse, stageOrderSentence } from '../../src/services/stage-order-in-use.js'
import { openTestStore, tempDir, writeTempFile } from '../helpers/test-store.js'

const AS_OF = '2024-07-20'
const IMPORTED = 'Qualified,Demo,Proposal,Closed'
const CHANGED = 'Qualified,Discovery,demo,Proposal,Closed'
const CSV = [
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,stage_history',
  'D1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Open,Qualified@2024-01-02;Demo@2024-01-05',
  'D2,2024-01-02,2024-03-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,300,Lost,Qualified@2024-01-02;Demo@2024-01-07',
  '',
].join('\n')

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

// The stage order in use with `PULSE_STAGES` set to `stages` (unset: undefined), as `pulse status` reads it.
async function inUse(s: Store, stages: string | undefined) {
  const config = loadConfig(stages === undefined ? {} : { PULSE_STAGES: stages })
  return { config, configured: await configuredStages(s, config) }
}

describe('the stage order in use when PULSE_STAGES changes with no import in between', () => {
  it('says which order is stored and why, that a changed PULSE_STAGES waits to be saved, and saves it at a serve start', async () => {
    store = await openTestStore()
    await importCsvFile(store, { path: writeTempFile('d.csv', CSV), stages: IMPORTED.split(',') })

    const same = await inUse(store, IMPORTED)
    const stored = await findStageOrderInUse(store.db, same.configured, same.config.stages)
    expect(stored).toMatchObject({ stages: IMPORTED.split(','), source: 'config', pending: false, saved: false })
    expect(stageOrderSentence(stored)).toBe(
      'Stage order: Qualified, Demo, Proposal, Closed (saved by the last import or `pulse serve` start, as PULSE_STAGES names it).',
    )
    const unset = await inUse(store, undefined)
    expect(stageOrderSentence(await findStageOrderInUse(store.db, unset.configured, unset.config.stages))).toBe(
      'Stage order: Qualified, Demo, Proposal, Closed (saved by the last import or `pulse serve` start; PULSE_STAGES is not set to another order, so it stays).',
    )

    // PULSE_STAGES changed (a stage added, one typed in another case): `pulse report` uses it, the rest not yet.
    const changed = await inUse(store, CHANGED)
    expect(changed.configured).toEqual(['Qualified', 'Discovery', 'Demo', 'Proposal', 'Closed'])
    const pending = await findStageOrderInUse(store.db, changed.configured, changed.config.stages)
    expect(pending).toMatchObject({ stages: IMPORTED.split(','), pending: true, pulseStages: CHANGED.split(',') })
    const status = formatStatus({ ...(await findSyncStatus(store.db)), stageOrder: pending })
    expect(status).toContain(
      'Stage order: Qualified, Demo, Proposal, Closed (saved by the last import or `pulse serve` start). PULSE_STAGES now names Qualified, Discovery, demo, Proposal, Closed: `pulse report` uses it at once; Slack and the scheduled jobs once `pulse serve` starts again or an import saves it.',
    )
    const stale = await loadFunnelReport(store.db, { asOf: AS_OF })
    expect(stale.stages.map((s) => s.stage)).toEqual(['Qualified', 'Demo', 'Proposal', 'Closed'])

    // A `pulse serve` start saves it: Slack's reports (which read the stored order) follow PULSE_STAGES.
    const applied = await applyConfiguredStageOrder(store, changed.configured, changed.config.stages)
    expect(applied).toMatchObject({ stages: ['Qualified', 'Discovery', 'Demo', 'Proposal', 'Closed'], saved: true, pending: false })
    expect(stageOrderSentence(applied)).toBe(
      'Stage order: Qualified, Discovery, Demo, Proposal, Closed (PULSE_STAGES, saved now in place of the order the last import or start saved).',
    )
    expect((await findStageOrder(store.db)).map((s) => s.name)).toEqual(['Qualified', 'Discovery', 'Demo', 'Proposal', 'Closed'])
    const slack = await loadFunnelReport(store.db, { asOf: AS_OF })
    const cli = await loadFunnelReport(store.db, { asOf: AS_OF, stages: changed.configured as string[] })
    expect(slack).toEqual(cli)
    // The next start has nothing to save.
    expect(await applyConfiguredStageOrder(store, changed.configured, changed.config.stages)).toMatchObject({
      saved: false,
      pending: false,
    })
  })

  it('leaves a CRM’s pipeline order and a store with no order as they are, and says so', async () => {
    store = await openTestStore()
    const none = await inUse(store, CHANGED)
    const empty = await applyConfiguredStageOrder(store, none.configured, none.config.stages)
    expect(empty).toMatchObject({ source: 'none', saved: false })
    expect(stageOrderSentence(empty)).toBe(
      'Stage order: none stored yet (no import or sync); reports use PULSE_STAGES: Qualified, Discovery, demo, Proposal, Closed.',
    )
    expect(await findStageOrder(store.db)).toEqual([])

    await saveStageOrder(store.db, stagesFromNames(['New', 'Meeting', 'Closed Won', 'Closed Lost']), 'hubspot')
    const crm = await inUse(store, CHANGED)
    const kept = await applyConfiguredStageOrder(store, crm.configured, crm.config.stages)
    expect(kept).toMatchObject({ source: 'hubspot', saved: false, pending: false })
    expect(stageOrderSentence(kept)).toBe(
      "Stage order: New, Meeting, Closed Won, Closed Lost (the hubspot pipeline order, saved by its last sync; a CRM's order is used instead of PULSE_STAGES).",
    )
  })

  // `pulse serve` started beside an import: its start-up writes come after the import's commit, and
  // the import's next write (the report summaries it rebuilds) may hold the file for longer than
  // SQLite's 5 s busy timeout just as the new order is saved.
  it('waits for another process writing to a SQLite store before saving, and says it waits, instead of failing as busy', async () => {
    const path = join(tempDir('pulse-stage-order-busy-'), 'pulse.db')
    store = await openStore({ path })
    await importCsvFile(store, { path: writeTempFile('d.csv', CSV), stages: IMPORTED.split(',') })
    const changed = await inUse(store, CHANGED)
    const writer = new SqliteDatabase(path)
    let release: NodeJS.Timeout | undefined
    try {
      writer.exec('BEGIN IMMEDIATE')
      // Runs once the first try has waited out SQLite's busy timeout (this thread is blocked meanwhile).
      release = setTimeout(() => writer.exec('COMMIT'), 500)
      let waits = 0
      const applied = await applyConfiguredStageOrder(store, changed.configured, changed.config.stages, { onWait: () => waits++ })
      expect(applied).toMatchObject({ stages: ['Qualified', 'Discovery', 'Demo', 'Proposal', 'Closed'], saved: true })
      expect(waits).toBe(1)
    } finally {
      clearTimeout(release)
      if (writer.inTransaction) writer.exec('ROLLBACK')
      writer.close()
    }
    expect((await findStageOrder(store.db)).map((s) => s.name)).toEqual(['Qualified', 'Discovery', 'Demo', 'Proposal', 'Closed'])
  }, 30_000)
})
