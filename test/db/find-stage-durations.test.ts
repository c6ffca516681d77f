import { expect, it } from 'vitest'
import { findRollupSlice } from '../../src/db/find-rollup-slice.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { loadFunnelReport } from '../../src/services/load-funnel-report.js'
import { loadTimeInStageReport } from '../../src/services/load-time-in-stage-report.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'
import { withoutRollup } from '../helpers/without-rollup.js'

// A CSV export without stage history, imported twice: the second export shows U1 in a new stage,
// so U1 gets stays while U2, U3 and L1 have none. Their stays are known as they were before.
const STAGES = ['Qualified', 'Demo', 'Proposal', 'Negotiation', 'Closed']
const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,stage_entered_date'
const ROWS = [
  'U2,2024-01-10,,r1,SaaS,EMEA,Core,Inbound,Qualified,100,Open,',
  'U3,2024-02-01,,r1,SaaS,EMEA,Core,Inbound,Proposal,100,Open,2024-02-20',
  'L1,2024-01-05,2024-02-10,r1,SaaS,EMEA,Core,Inbound,Demo,100,Lost,2024-01-20',
]
const FIRST = [HEADER, 'U1,2024-01-01,,r1,SaaS,EMEA,Core,Inbound,Qualified,100,Open,', ...ROWS, ''].join('\n')
const SECOND = [HEADER, 'U1,2024-01-01,,r1,SaaS,EMEA,Core,Inbound,Proposal,100,Open,', ...ROWS, ''].join('\n')
const AS_OF = '2024-03-01'

function counts(report: Awaited<ReturnType<typeof loadTimeInStageReport>>) {
  return report.stages.map(({ stage, completed, censored }) => ({ stage, completed, censored }))
}

describeEachDialect('time in stage in a store where only some deals have stage history', (dialect) => {
  it("keeps the stays known without history of the deals that have none (an open deal's current one, a lost deal's dated one)", async () => {
    const store = await dialect.open()
    try {
      await importCsvFile(store, { path: writeTempFile('a.csv', FIRST), stages: STAGES, today: '2024-02-15' })
      await importCsvFile(store, { path: writeTempFile('b.csv', SECOND), stages: STAGES, today: '2024-02-15' })
      const expected = [
        // U1's finished stay (2024-01-01 to 2024-02-15); U2 still there since created.
        { stage: 'Qualified', completed: 1, censored: 1 },
        // L1, lost at Demo after 21 days in it.
        { stage: 'Demo', completed: 1, censored: 0 },
        // U1 since 2024-02-15, U3 since 2024-02-20.
        { stage: 'Proposal', completed: 0, censored: 2 },
        { stage: 'Negotiation', completed: 0, censored: 0 },
      ]
      expect(await findRollupSlice(store.db, { asOf: AS_OF })).not.toBeNull()
      const rolled = await loadTimeInStageReport(store.db, { asOf: AS_OF })
      expect(rolled.source).toBe('stage_history')
      expect(counts(rolled)).toEqual(expected)
      const direct = await withoutRollup(store, () => loadTimeInStageReport(store.db, { asOf: AS_OF }))
      expect(direct).toEqual(rolled)
      // A filter the rollup cannot answer reads the deals too, with the same stays.
      const filtered = await loadTimeInStageReport(store.db, { asOf: AS_OF, where: { region: 'EMEA', amount_band: '<10k' } })
      expect(counts(filtered)).toEqual(expected)
    } finally {
      await store.close()
    }
  })
})

describeEachDialect('time in stage of lost deals without stage history', (dialect) => {
  it('leaves out a lost stay dated after its close (it cannot have begun then), from the rollup and the deals alike', async () => {
    const store = await dialect.open()
    try {
      const rows = [
        // 21 and 10 days in Demo before they were lost.
        'L1,2024-01-05,2024-02-10,r1,SaaS,EMEA,Core,Inbound,Demo,100,Lost,2024-01-20',
        'L2,2024-01-05,2024-02-10,r1,SaaS,EMEA,Core,Inbound,Demo,100,Lost,2024-01-31',
        // Demo "entered" after the deal was lost: how long it was there is not known.
        'L3,2024-01-05,2024-02-10,r1,SaaS,EMEA,Core,Inbound,Demo,100,Lost,2024-02-25',
        'L4,2024-01-05,2024-02-10,r1,SaaS,EMEA,Core,Inbound,Demo,100,Lost,2024-03-01',
        // Lost on the day it entered Demo: a stay of no days, kept.
        'L5,2024-01-05,2024-02-10,r1,SaaS,EMEA,Core,Inbound,Demo,100,Lost,2024-02-10',
      ]
      await importCsvFile(store, { path: writeTempFile('l.csv', [HEADER, ...rows, ''].join('\n')), stages: STAGES, today: AS_OF })
      const rolled = await loadTimeInStageReport(store.db, { asOf: AS_OF })
      const demo = rolled.stages.find((s) => s.stage === 'Demo')
      expect(demo).toMatchObject({ stays: 3, completed: 3, censored: 0, median: 10 })
      const direct = await withoutRollup(store, () => loadTimeInStageReport(store.db, { asOf: AS_OF }))
      expect(direct).toEqual(rolled)
    } finally {
      await store.close()
    }
  })
})

describeEachDialect('time in stage read from the deals, a stay dated oddly among them', (dialect) => {
  it('counts every stay of the deals read with it, the odd one as a stay with no end', async () => {
    const store = await dialect.open()
    try {
      const header = `${HEADER},stage_history`
      const rows = [
        'H1,2024-01-01,,r1,SaaS,EMEA,Core,Inbound,Demo,100,Open,,Qualified@2024-01-01;Demo@2024-01-10',
        'H2,2024-01-05,,r1,SaaS,EMEA,Core,Inbound,Demo,100,Open,,Qualified@2024-01-05;Demo@2024-01-20',
        'H3,2024-01-02,2024-02-01,r1,SaaS,EMEA,Core,Inbound,Proposal,100,Lost,,Qualified@2024-01-02;Proposal@2024-01-12',
      ]
      await importCsvFile(store, { path: writeTempFile('h.csv', [header, ...rows, ''].join('\n')), stages: STAGES })
      const before = await withoutRollup(store, () => loadTimeInStageReport(store.db, { asOf: AS_OF }))
      // H1: 9 days in Qualified; H3: 10 days in Qualified, 20 in Proposal (lost); H2: 15 days in Qualified.
      expect(counts(before)).toEqual([
        { stage: 'Qualified', completed: 3, censored: 0 },
        { stage: 'Demo', completed: 0, censored: 2 },
        { stage: 'Proposal', completed: 1, censored: 0 },
        { stage: 'Negotiation', completed: 0, censored: 0 },
      ])
      // H2's Qualified stay gets an end that is no date: read as running, as a stay with no end is,
      // while the other stays read with it count as before.
      await store.db
        .updateTable('stage_history')
        .set({ left_at: 'unknown' })
        .where('deal_id', '=', 'H2')
        .where('stage', '=', 'Qualified')
        .execute()
      const odd = await withoutRollup(store, () => loadTimeInStageReport(store.db, { asOf: AS_OF }))
      expect(counts(odd)).toEqual([
        { stage: 'Qualified', completed: 2, censored: 1 },
        { stage: 'Demo', completed: 0, censored: 2 },
        { stage: 'Proposal', completed: 1, censored: 0 },
        { stage: 'Negotiation', completed: 0, censored: 0 },
      ])
      await store.db
        .updateTable('stage_history')
        .set({ left_at: null })
        .where('deal_id', '=', 'H2')
        .where('stage', '=', 'Qualified')
        .execute()
      expect(await withoutRollup(store, () => loadTimeInStageReport(store.db, { asOf: AS_OF }))).toEqual(odd)
    } finally {
      await store.close()
    }
  })
})

describeEachDialect('time in stage as of a past day, without stage history', (dialect) => {
  it('leaves out the deals won since and the stays entered after that day, as the funnel does', async () => {
    const store = await dialect.open()
    try {
      const rows = [
        // Open since 2024-01-10 in Qualified: 51 days so far on 2024-03-01.
        'O1,2024-01-10,,r1,SaaS,EMEA,Core,Inbound,Qualified,100,Open,2024-01-10',
        // Won later: its deal_stage (any stage, for a won deal) is not where it sat on 2024-03-01.
        'W1,2024-01-05,2024-04-10,r1,SaaS,EMEA,Core,Inbound,Demo,100,Won,2024-01-20',
        // Lost later at Proposal, in it since 2024-02-01: 29 days so far on 2024-03-01.
        'L1,2024-01-05,2024-04-10,r1,SaaS,EMEA,Core,Inbound,Proposal,100,Lost,2024-02-01',
        // Entered their stage after 2024-03-01: those stays had not begun.
        'L2,2024-01-05,2024-04-10,r1,SaaS,EMEA,Core,Inbound,Negotiation,100,Lost,2024-03-20',
        'O2,2024-01-05,,r1,SaaS,EMEA,Core,Inbound,Negotiation,100,Open,2024-03-15',
      ]
      await importCsvFile(store, { path: writeTempFile('p.csv', [HEADER, ...rows, ''].join('\n')), stages: STAGES, today: '2024-04-15' })
      const report = await loadTimeInStageReport(store.db, { asOf: AS_OF })
      expect(report.source).toBe('stage_at_close')
      expect(counts(report)).toEqual([
        { stage: 'Qualified', completed: 0, censored: 1 },
        { stage: 'Demo', completed: 0, censored: 0 },
        { stage: 'Proposal', completed: 0, censored: 1 },
        { stage: 'Negotiation', completed: 0, censored: 0 },
      ])
      // The funnel of that day leaves W1 out as well (its stage then is not on record).
      const funnel = await loadFunnelReport(store.db, { asOf: AS_OF })
      expect(funnel.stages.find((s) => s.stage === 'Demo')?.open).toBe(0)
    } finally {
      await store.close()
    }
  })
})
