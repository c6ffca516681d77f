import { afterEach, expect, it } from 'vitest'
import { stalledText } from '../../src/analytics/report-text.js'
import { DEFAULT_STAGES } from '../../src/config.js'
import type { Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { loadStalledReport } from '../../src/services/load-stalled-report.js'
import { stalledBlocks } from '../../src/slack/blocks/report-blocks.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'

// As of 2026-03-01: A1 quiet since 2026-02-01 (stalled); A2 and A3 open since January, whose only
// recorded activity is in mid-March; A4 active on 2026-02-25 (neither stalled nor stale).
const CSV = `deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,updated_date
A1,2026-01-05,,r1,SaaS,EMEA,Core,Inbound,Demo,90000,Open,2026-02-01,2026-02-01
A2,2026-01-05,,r1,SaaS,EMEA,Core,Inbound,Proposal,80000,Open,2026-03-15,2026-03-15
A3,2026-01-10,,r2,SaaS,EMEA,Core,Inbound,Qualified,20000,Open,2026-03-20,
A4,2026-01-10,,r2,SaaS,EMEA,Core,Inbound,Qualified,60000,Open,2026-02-25,
`
// Thirty won deals spent 5 to 10 days in Qualified; S1 and S2 have sat there since January.
const STAGE_CSV = `deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,updated_date,stage_entered_date,stage_history
W0,2025-09-01,2025-11-01,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-01;Demo@2025-09-06;Closed@2025-11-01
W1,2025-09-02,2025-11-02,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-02;Demo@2025-09-08;Closed@2025-11-02
W2,2025-09-03,2025-11-03,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-03;Demo@2025-09-10;Closed@2025-11-03
W3,2025-09-04,2025-11-04,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-04;Demo@2025-09-12;Closed@2025-11-04
W4,2025-09-05,2025-11-05,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-05;Demo@2025-09-14;Closed@2025-11-05
W5,2025-09-06,2025-11-06,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-06;Demo@2025-09-16;Closed@2025-11-06
W6,2025-09-07,2025-11-07,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-07;Demo@2025-09-12;Closed@2025-11-07
W7,2025-09-08,2025-11-08,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-08;Demo@2025-09-14;Closed@2025-11-08
W8,2025-09-09,2025-11-09,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-09;Demo@2025-09-16;Closed@2025-11-09
W9,2025-09-10,2025-11-10,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-10;Demo@2025-09-18;Closed@2025-11-10
W10,2025-09-11,2025-11-11,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-11;Demo@2025-09-20;Closed@2025-11-11
W11,2025-09-12,2025-11-12,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-12;Demo@2025-09-22;Closed@2025-11-12
W12,2025-09-13,2025-11-13,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-13;Demo@2025-09-18;Closed@2025-11-13
W13,2025-09-14,2025-11-14,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-14;Demo@2025-09-20;Closed@2025-11-14
W14,2025-09-15,2025-11-15,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-15;Demo@2025-09-22;Closed@2025-11-15
W15,2025-09-16,2025-11-16,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-16;Demo@2025-09-24;Closed@2025-11-16
W16,2025-09-17,2025-11-17,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-17;Demo@2025-09-26;Closed@2025-11-17
W17,2025-09-18,2025-11-18,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-18;Demo@2025-09-28;Closed@2025-11-18
W18,2025-09-19,2025-11-19,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-19;Demo@2025-09-24;Closed@2025-11-19
W19,2025-09-20,2025-11-20,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-20;Demo@2025-09-26;Closed@2025-11-20
W20,2025-09-21,2025-11-21,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-21;Demo@2025-09-28;Closed@2025-11-21
W21,2025-09-22,2025-11-22,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-22;Demo@2025-09-30;Closed@2025-11-22
W22,2025-09-23,2025-11-23,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-23;Demo@2025-10-02;Closed@2025-11-23
W23,2025-09-24,2025-11-24,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-24;Demo@2025-10-04;Closed@2025-11-24
W24,2025-09-25,2025-11-25,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-25;Demo@2025-09-30;Closed@2025-11-25
W25,2025-09-26,2025-11-26,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-26;Demo@2025-10-02;Closed@2025-11-26
W26,2025-09-27,2025-11-27,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-27;Demo@2025-10-04;Closed@2025-11-27
W27,2025-09-28,2025-11-28,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-28;Demo@2025-10-06;Closed@2025-11-28
W28,2025-09-29,2025-11-29,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-29;Demo@2025-10-08;Closed@2025-11-29
W29,2025-09-30,2025-11-30,r1,SaaS,EMEA,Core,Inbound,Closed,70000,Won,2025-10-30,,,Qualified@2025-09-30;Demo@2025-10-10;Closed@2025-11-30
S1,2026-01-02,,r2,SaaS,EMEA,Core,Inbound,Qualified,100000,Open,2026-02-25,,2026-01-02,Qualified@2026-01-02
S2,2026-01-02,,r2,SaaS,EMEA,Core,Inbound,Qualified,100000,Open,2026-03-15,,2026-01-02,Qualified@2026-01-02
`
const rules = { alertAmount: 50_000, idleDays: 14, staleDays: 30 }

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

describeEachDialect('the stalled report as of a day before some open deals\u2019 only activity', (dialect) => {
  it('counts and names those deals as left out in the text, the JSON and Slack, instead of dropping them silently', async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: writeTempFile('no-activity.csv', CSV), stages: DEFAULT_STAGES })
    const past = await loadStalledReport(store.db, { asOf: '2026-03-01', rules })
    expect(past.stalled.map((d) => d.dealId)).toEqual(['A1'])
    expect(past.openCount).toBe(4)
    expect(past.noActivityByAsOf).toEqual({ count: 2, amount: 100_000 })
    expect(past.findings.map((f) => [f.key, f.significant])).toEqual([
      ['stalled_deals', true],
      ['stalled_no_activity_by_as_of', false],
    ])
    const note = /2 open deals, worth \$100k, had no recorded activity by 2026-03-01; left out/
    expect(past.findings[1]!.text).toMatch(note)
    expect(stalledText(past)).toMatch(note)
    const slack = JSON.stringify(stalledBlocks(past, 'everyone').blocks)
    expect(slack).toMatch(note)
    // Today, every open deal's activity is known: no note.
    const now = await loadStalledReport(store.db, { asOf: '2026-03-31', rules })
    expect(now.noActivityByAsOf).toEqual({ count: 0, amount: 0 })
    expect(now.findings.map((f) => f.key)).not.toContain('stalled_no_activity_by_as_of')
    expect(JSON.stringify(stalledBlocks(now, 'everyone').blocks)).not.toMatch(/no recorded activity/)
  })

  it('does not say no deal is stalled when the only ones it could not judge are left out', async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: writeTempFile('no-activity-only.csv', CSV), stages: DEFAULT_STAGES })
    const early = await loadStalledReport(store.db, { asOf: '2026-01-20', rules })
    expect(early.noActivityByAsOf.count).toBe(4)
    expect(early.findings.map((f) => f.key)).toEqual(['stalled_no_activity_by_as_of'])
    expect(early.findings[0]!.text).toMatch(/^4 open deals, worth \$250k, had no recorded activity by 2026-01-20; left out/)
    // Some judged, some left out: "none" speaks only of the judged ones.
    const mid = await loadStalledReport(store.db, { asOf: '2026-02-10', rules })
    expect(mid.findings.map((f) => f.key)).toEqual(['stalled_none', 'stalled_no_activity_by_as_of'])
    expect(mid.findings[0]!.text).toBe('No open deal with activity recorded by 2026-02-10 is stalled or stale (1 open deal, $90k).')
  })

  it('does not call a deal still active past its stage\u2019s p90 on the strength of a later activity', async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: writeTempFile('no-activity-p90.csv', STAGE_CSV), stages: DEFAULT_STAGES })
    const past = await loadStalledReport(store.db, { asOf: '2026-03-01', rules })
    expect(past.overStageP90.map((d) => d.dealId)).toEqual(['S1'])
    expect(past.noActivityByAsOf).toEqual({ count: 1, amount: 100_000 })
    const now = await loadStalledReport(store.db, { asOf: '2026-03-20', rules })
    expect(now.overStageP90.map((d) => d.dealId)).toEqual(['S2'])
  })
})
