import { afterEach, expect, it } from 'vitest'
import { stalledText } from '../../src/analytics/report-text.js'
import { DEFAULT_STAGES } from '../../src/config.js'
import type { Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { findingsSummary } from '../../src/services/findings-summary.js'
import { loadStalledReport } from '../../src/services/load-stalled-report.js'
import { stalledBlocks } from '../../src/slack/blocks/report-blocks.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'

// On 2024-03-31, P1 and P2 were open (large, quiet since early March); both closed in April.
const CSV = `deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date
P1,2024-02-01,2024-04-20,r1,SaaS,EMEA,Core,Inbound,Closed,90000,Won,2024-04-19
P2,2024-02-01,2024-04-25,r1,SaaS,EMEA,Core,Inbound,Demo,80000,Lost,2024-04-24
O1,2024-06-01,,r1,SaaS,EMEA,Core,Inbound,Demo,70000,Open,2024-06-02
`
const rules = { alertAmount: 50_000, idleDays: 14, staleDays: 30 }

// With history: 20 won deals that spent 5 days in Negotiation in February (its p90: 5 days).
const P90_HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,stage_history'
const QUICK_NEGOTIATIONS = Array.from(
  { length: 20 },
  (_, i) =>
    `K${i},2024-01-20,2024-02-06,r1,SaaS,EMEA,Core,Inbound,Closed,10000,Won,2024-02-05,Qualified@2024-01-20;Negotiation@2024-02-01;Closed@2024-02-06`,
)

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

describeEachDialect('the stalled report as of a past day', (dialect) => {
  it('counts the deals open then that closed since; one active after that day is unknown, not "none stalled"', async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: writeTempFile('past.csv', CSV), stages: DEFAULT_STAGES })
    const past = await loadStalledReport(store.db, { asOf: '2024-03-31', rules })
    expect(past.closedSince).toBe(2)
    expect([past.openCount, past.openAmount, past.stalledCount]).toEqual([2, 170_000, 0])
    expect(past.noActivityByAsOf).toEqual({ count: 2, amount: 170_000 })
    expect(past.findings.map((f) => [f.key, f.significant])).toEqual([
      ['stalled_past_as_of', false],
      ['stalled_no_activity_by_as_of', false],
    ])
    expect(past.findings[0]!.text).toMatch(/^2 of the deals open on 2024-03-31 have closed since; they are counted by/)
    expect(past.findings[1]!.text).toMatch(/^2 deals open on 2024-03-31, worth \$170k, had no recorded activity by 2024-03-31; left out/)
    // DMs are about deals open now: the closed ones are left out, and said to be.
    const openNow = await loadStalledReport(store.db, { asOf: '2024-03-31', rules, openNow: true })
    expect([openNow.openCount, openNow.closedSince]).toEqual([0, 2])
    expect(openNow.findings[0]!.text).toMatch(/^2 deals open on 2024-03-31 have closed since and are not counted/)
    const now = await loadStalledReport(store.db, { asOf: '2024-07-20', rules })
    expect(now.closedSince).toBe(0)
    expect(now.findings.map((f) => f.key)).toEqual(['stalled_deals', 'stale_pipeline'])
  })

  it('lists a deal closed since that was idle on that day, in the stage it was in, and speaks of the deals open that day', async () => {
    store = await dialect.open()
    // Q1 and Q2 are still open, quiet since early March; P1 and P2 were open on 2024-03-31 and closed
    // in April after activity then; P3, quiet since 5 March, was lost in Proposal in April; W1, quiet
    // since 1 March, was in Negotiation on 2024-03-31 and won in April.
    const rows = `Q1,2024-02-01,,r1,SaaS,EMEA,Core,Inbound,Demo,90000,Open,2024-03-01
Q2,2024-02-01,,r1,SaaS,EMEA,Core,Inbound,Demo,20000,Open,2024-02-20
P3,2024-02-01,2024-04-28,r1,SaaS,EMEA,Core,Inbound,Proposal,60000,Lost,2024-03-05
`
    const history = `deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,stage_history
W1,2024-02-01,2024-04-10,r1,SaaS,EMEA,Core,Inbound,Closed,55000,Won,2024-03-01,Qualified@2024-02-01;Negotiation@2024-03-10;Closed@2024-04-10
M1,2024-02-01,,r1,SaaS,EMEA,Core,Inbound,Proposal,52000,Open,2024-03-02,Qualified@2024-02-01;Demo@2024-02-20;Proposal@2024-05-01
`
    await importCsvFile(store, { path: writeTempFile('past.csv', CSV + rows), stages: DEFAULT_STAGES })
    await importCsvFile(store, { path: writeTempFile('won.csv', history), stages: DEFAULT_STAGES })
    const past = await loadStalledReport(store.db, { asOf: '2024-03-31', rules })
    expect(past.closedSince).toBe(4)
    // M1, still open, moved to Proposal in May: on 2024-03-31 it was in Demo.
    expect(past.stalled.map((d) => [d.dealId, d.stage, d.daysIdle, d.outcomeNow])).toEqual([
      ['Q1', 'Demo', 30, undefined],
      ['P3', 'Proposal', 26, 'lost'],
      ['W1', 'Negotiation', 30, 'won'],
      ['M1', 'Demo', 29, undefined],
    ])
    expect(past.stalled.find((d) => d.dealId === 'W1')?.daysInStage).toBe(21)
    expect(past.stalled.find((d) => d.dealId === 'M1')?.daysInStage).toBe(40)
    expect(stalledText(past)).toMatch(/P3 .* Proposal \(lost since\) +26 /)
    const text = new Map(past.findings.map((f) => [f.key, f.text]))
    expect(text.get('stalled_deals')).toBe('4 deals open on 2024-03-31 worth $257k were stalled ($50k or more, no activity for 14+ days).')
    expect(text.get('stale_pipeline')).toMatch(
      /^Zombie pipeline: 1 of the 7 deals open on 2024-03-31, worth \$20k \(4\.5% of open pipeline\), had had no update/,
    )
    const summary = await findingsSummary(store.db, { asOf: '2024-03-31', rules })
    expect(summary.sentences).toContain(text.get('stalled_deals'))
    // As of today (nothing closed since) the sentences speak of the open deals, as before.
    const now = await loadStalledReport(store.db, { asOf: '2024-07-20', rules })
    expect(now.findings.find((f) => f.key === 'stalled_deals')?.text).toMatch(/^3 open deals worth \$212k are stalled/)
  })

  it("flags the large deals past their stage's p90 that day, in the stage they were in, those closed since included", async () => {
    store = await dialect.open()
    // 20 won deals spent 5 days in Negotiation in February: its p90 is 5 days. On 2024-03-31, W2 and
    // M2 had been in Negotiation since 1 March, active a week before: past the p90, not stalled. W2
    // was won in April; M2 moved to Proposal in May and is still open.
    const slow = [
      'W2,2024-02-01,2024-04-15,r1,SaaS,EMEA,Core,Inbound,Closed,75000,Won,2024-03-25,Qualified@2024-02-01;Negotiation@2024-03-01;Closed@2024-04-15',
      'M2,2024-02-01,,r1,SaaS,EMEA,Core,Inbound,Proposal,65000,Open,2024-03-25,Qualified@2024-02-01;Negotiation@2024-03-01;Proposal@2024-05-01',
    ]
    await importCsvFile(store, {
      path: writeTempFile('p90.csv', [P90_HEADER, ...QUICK_NEGOTIATIONS, ...slow, ''].join('\n')),
      stages: DEFAULT_STAGES,
    })
    const past = await loadStalledReport(store.db, { asOf: '2024-03-31', rules })
    expect(past.stalledCount).toBe(0)
    expect(past.overStageP90.map((d) => [d.dealId, d.stage, d.daysInStage, d.stageP90, d.outcomeNow])).toEqual([
      ['W2', 'Negotiation', 30, 5, 'won'],
      ['M2', 'Negotiation', 30, 5, undefined],
    ])
    expect([past.overStageP90Count, past.overStageP90Amount]).toEqual([2, 140_000])
    // Deals open now (alerts, the managers' digests): W2, closed since, is left out; M2, still
    // open, is flagged in the stage it was in that day.
    const openNow = await loadStalledReport(store.db, { asOf: '2024-03-31', rules, openNow: true })
    expect(openNow.overStageP90.map((d) => [d.dealId, d.stage, d.daysInStage])).toEqual([['M2', 'Negotiation', 30]])
  })

  it("flags a deal past its stage's p90 in the stage it was in that day when nothing has closed since", async () => {
    store = await dialect.open()
    const moved =
      'M2,2024-02-01,,r1,SaaS,EMEA,Core,Inbound,Proposal,65000,Open,2024-03-25,Qualified@2024-02-01;Negotiation@2024-03-01;Proposal@2024-05-01'
    await importCsvFile(store, {
      path: writeTempFile('p90.csv', [P90_HEADER, ...QUICK_NEGOTIATIONS, moved, ''].join('\n')),
      stages: DEFAULT_STAGES,
    })
    const past = await loadStalledReport(store.db, { asOf: '2024-03-31', rules })
    expect(past.closedSince).toBe(0)
    expect(past.overStageP90.map((d) => [d.dealId, d.stage, d.daysInStage])).toEqual([['M2', 'Negotiation', 30]])
  })
  it('flags no deal against a stage p90 that fewer than 20 completed stays give, and says so', async () => {
    store = await dialect.open()
    const moved =
      'M2,2024-02-01,,r1,SaaS,EMEA,Core,Inbound,Proposal,65000,Open,2024-03-25,Qualified@2024-02-01;Negotiation@2024-03-01;Proposal@2024-05-01'
    // 19 quick stays: Negotiation's p90 (5 days) is little more than the longest of them.
    await importCsvFile(store, {
      path: writeTempFile('p90.csv', [P90_HEADER, ...QUICK_NEGOTIATIONS.slice(1), moved, ''].join('\n')),
      stages: DEFAULT_STAGES,
    })
    const past = await loadStalledReport(store.db, { asOf: '2024-03-31', rules, limit: 0 })
    expect([past.overStageP90Count, past.overStageP90]).toEqual([0, []])
    expect(past.stageP90MinCompleted).toBe(20)
    expect(past.stagesWithoutP90).toContain('Negotiation')
    expect(past.findings.map((f) => f.key)).not.toContain('stalled_over_p90')
    expect(stalledText(past)).toMatch(/no p90 used for [^)]*Negotiation[^)]*: fewer than 20 completed stays\)/)
  })

  it('counts days idle of a deal with no activity or update date from its stay that day, when it has moved on since', async () => {
    store = await dialect.open()
    // N1 has no activity or update date: on 2024-03-31 it had been in Demo since 15 February (its
    // stage history), and moved to Proposal in May. C1, from a CRM, entered Negotiation at 15:00 on
    // 2024-03-31 itself and moved to Proposal in April.
    const csv = `deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,stage_history
N1,2024-02-01,,r1,SaaS,EMEA,Core,Inbound,Proposal,60000,Open,Qualified@2024-02-01;Demo@2024-02-15;Proposal@2024-05-01
C1,2024-03-01,,r1,SaaS,EMEA,Core,Inbound,Proposal,70000,Open,
`
    await importCsvFile(store, { path: writeTempFile('moved.csv', csv), stages: DEFAULT_STAGES })
    await store.db.deleteFrom('stage_history').where('deal_id', '=', 'C1').execute()
    await store.db
      .insertInto('stage_history')
      .values([
        { deal_id: 'C1', stage: 'Demo', entered_at: '2024-03-01T09:00:00.000Z', left_at: '2024-03-31T15:00:00.000Z' },
        { deal_id: 'C1', stage: 'Negotiation', entered_at: '2024-03-31T15:00:00.000Z', left_at: '2024-04-10T08:00:00.000Z' },
        { deal_id: 'C1', stage: 'Proposal', entered_at: '2024-04-10T08:00:00.000Z', left_at: null },
      ])
      .execute()
    await store.db.updateTable('deals').set({ stage_entered_date: '2024-04-10' }).where('deal_id', '=', 'C1').execute()
    const past = await loadStalledReport(store.db, { asOf: '2024-03-31', rules })
    expect(past.stalled.map((d) => [d.dealId, d.stage, d.daysIdle, d.idleFrom])).toEqual([['N1', 'Demo', 45, 'stage']])
    // Neither is unknown: each has a stand-in date by that day.
    expect(past.noActivityByAsOf).toEqual({ count: 0, amount: 0 })
    expect([past.stale.count, past.openCount]).toEqual([1, 2])
    // As of today each counts from the stage it is in now.
    const now = await loadStalledReport(store.db, { asOf: '2024-05-20', rules })
    expect(now.stalled.map((d) => [d.dealId, d.stage, d.daysIdle])).toEqual([
      ['C1', 'Proposal', 40],
      ['N1', 'Proposal', 19],
    ])
  })

  it('of two stays a CSV history dates on one day, takes the one the deal went on to as its stage that day', async () => {
    store = await dialect.open()
    // Both passed through Proposal on 10 January, on the way to Demo, and were quiet in Demo on
    // 3 March: T1 was lost there on 5 March, T2 moved on to Negotiation on 10 March.
    const csv = [
      P90_HEADER,
      'T1,2024-01-01,2024-03-05,r1,SaaS,EMEA,Core,Inbound,Demo,100000,Lost,2024-01-12,Qualified@2024-01-01;Proposal@2024-01-10;Demo@2024-01-10',
      'T2,2024-01-01,,r1,SaaS,EMEA,Core,Inbound,Negotiation,100000,Open,2024-01-12,Qualified@2024-01-01;Proposal@2024-01-10;Demo@2024-01-10;Negotiation@2024-03-10',
    ].join('\n')
    await importCsvFile(store, { path: writeTempFile('one-day.csv', csv), stages: DEFAULT_STAGES })
    const past = await loadStalledReport(store.db, { asOf: '2024-03-03', rules })
    expect(past.stalled.map((d) => [d.dealId, d.stage])).toEqual([
      ['T1', 'Demo'],
      ['T2', 'Demo'],
    ])
  })
})

describeEachDialect('a deal whose close date is after the newest record', (dialect) => {
  it('is said to close on that date, not to have closed since, in the text, in Slack and in the finding', async () => {
    store = await dialect.open()
    // The store's records run to 2024-06-02 (O1's activity). P3 was lost on 2024-04-28; F1 is
    // marked won with a close date of 2026-12-03, after every record: a planned close, not one that happened
    // (listed at no stage: its deal_stage, the won stage, is not where it was that day).
    const csv = `deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date
F1,2024-02-01,2026-12-03,r1,SaaS,EMEA,Core,Inbound,Closed,95000,Won,2024-03-01
P3,2024-02-01,2024-04-28,r1,SaaS,EMEA,Core,Inbound,Proposal,60000,Lost,2024-03-05
O1,2024-06-01,,r1,SaaS,EMEA,Core,Inbound,Demo,70000,Open,2024-06-02
`
    await importCsvFile(store, { path: writeTempFile('planned.csv', csv), stages: DEFAULT_STAGES })
    const past = await loadStalledReport(store.db, { asOf: '2024-03-31', rules })
    // --json keeps its names: outcomeNow says how the record stands; the close date comes with it.
    expect(past.stalled.map((d) => [d.dealId, d.outcomeNow, d.closedDate, d.closePlanned])).toEqual([
      ['F1', 'won', '2026-12-03', true],
      ['P3', 'lost', '2024-04-28', false],
    ])
    const text = stalledText(past)
    expect(text).toMatch(/F1 .* Unknown \(closes 2026-12-03, after this day\) +30 /)
    expect(text).toMatch(/P3 .* Proposal \(lost since\) +26 /)
    expect(text).not.toMatch(/won since/)
    const slack = JSON.stringify(stalledBlocks(past, 'company').blocks)
    expect(slack).toContain('Unknown (closes 2026-12-03, after this day)')
    expect(slack).toContain('Proposal (lost since)')
    const note = past.findings.find((f) => f.key === 'stalled_past_as_of')?.text
    expect(note).toMatch(
      /^1 of the deals open on 2024-03-31 has closed since, and 1 more has a close date after the newest record \(2024-06-02\);/,
    )
    // As of the newest record day the planned close is still open that day, and said to close later.
    const newest = await loadStalledReport(store.db, { asOf: '2024-06-02', rules })
    expect(newest.stalled.find((d) => d.dealId === 'F1')).toMatchObject({ outcomeNow: 'won', closePlanned: true })
    expect(newest.findings.find((f) => f.key === 'stalled_past_as_of')?.text).toMatch(
      /^1 of the deals open on 2024-06-02 has a close date after the newest record \(2024-06-02\);/,
    )
  })
})

describeEachDialect('a close dated after today', (dialect) => {
  it('is planned even when a record (a future event, say) is dated later still', async () => {
    store = await dialect.open()
    // F2 is marked won with a close date of 2026-12-20; O2's last activity is dated 2027-01-15, the
    // day of an event still to come (Salesforce dates it so). Today is 2026-12-01: F2 has not closed.
    const csv = `deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date
F2,2026-09-01,2026-12-20,r1,SaaS,EMEA,Core,Inbound,Closed,95000,Won,2026-10-01
O2,2026-09-01,,r1,SaaS,EMEA,Core,Inbound,Demo,70000,Open,2027-01-15
`
    await importCsvFile(store, { path: writeTempFile('future.csv', csv), stages: DEFAULT_STAGES })
    const report = await loadStalledReport(store.db, { asOf: '2026-11-01', rules, today: '2026-12-01' })
    expect(report.stalled.map((d) => [d.dealId, d.closePlanned])).toEqual([['F2', true]])
    expect(stalledText(report)).toMatch(/F2 .* Unknown \(closes 2026-12-20, after this day\)/)
    expect(report.plannedCloses).toEqual({ count: 1, newestRecord: '2026-12-01' })
    // Once today is past the close, it is one that happened.
    const later = await loadStalledReport(store.db, { asOf: '2026-11-01', rules, today: '2027-02-01' })
    expect(later.stalled.map((d) => [d.dealId, d.closePlanned])).toEqual([['F2', false]])
    expect(stalledText(later)).toMatch(/F2 .* Unknown \(won since\)/)
  })
})
