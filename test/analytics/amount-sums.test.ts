import { afterEach, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import type { Store } from '../../src/db/open-store.js'
import { refreshAnalyticsRollup } from '../../src/db/refresh-analytics-rollup.js'
import { roundMoney } from '../../src/domain/round-money.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { loadLossesReport } from '../../src/services/load-losses-report.js'
import { loadStalledReport } from '../../src/services/load-stalled-report.js'
import { loadWinrateReport } from '../../src/services/load-winrate-report.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'

// Amounts with cents: in floating point 60000.1 + 70000.2 is 130000.29999999999, in either order.
const CSV = `deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date
L1,2024-01-05,2024-03-10,r1,SaaS,EMEA,Core,Inbound,Demo,60000.1,Lost,2024-03-09
L2,2024-01-06,2024-03-12,r1,SaaS,EMEA,Core,Inbound,Demo,70000.2,Lost,2024-03-11
W1,2024-01-07,2024-03-15,r1,SaaS,EMEA,Core,Inbound,Closed,60000.1,Won,2024-03-14
W2,2024-01-08,2024-03-16,r1,SaaS,EMEA,Core,Inbound,Closed,70000.2,Won,2024-03-15
O1,2024-01-09,,r1,SaaS,EMEA,Core,Inbound,Proposal,60000.1,Open,2024-01-10
O2,2024-01-10,,r1,SaaS,EMEA,Core,Inbound,Proposal,70000.2,Open,2024-01-11
`
const rules = { alertAmount: 50_000, idleDays: 14, staleDays: 30 }

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

describeEachDialect('sums of amounts in reports', (dialect) => {
  it('are rounded to the cent, so both databases report the same figures for amounts with decimals', async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: writeTempFile('cents.csv', CSV), stages: DEFAULT_STAGES })
    for (const where of [{}, { region: 'EMEA' }]) {
      const losses = await loadLossesReport(store.db, { asOf: '2024-07-20', where })
      expect(losses.stages.map((s) => [s.stage, s.lostAmount])).toEqual([['Demo', 130000.3]])
      expect(losses.totalLostAmount).toBe(130000.3)
      const stalled = await loadStalledReport(store.db, { asOf: '2024-07-20', rules, where })
      expect([stalled.stalledAmount, stalled.stale.amount, stalled.openAmount]).toEqual([130000.3, 130000.3, 130000.3])
      const winrate = await loadWinrateReport(store.db, { asOf: '2024-07-20', months: 12, where })
      const jan = winrate.months.find((m) => m.month === '2024-01')
      const mar = winrate.months.find((m) => m.month === '2024-03')
      expect([jan?.createdAmount, jan?.openAmountAtEnd]).toEqual([390000.9, 390000.9])
      expect([mar?.wonAmount, mar?.lostAmount, mar?.openAmountAtEnd]).toEqual([130000.3, 130000.3, 130000.3])
    }
  })

  it('agree on amounts that end in half a cent, each taken half a cent up as written', async () => {
    // 555415.995 + 719786.115 + 180479.005 is 1455681.1149999998 in one order, 1455681.115 in
    // another; in cents, 555416.00 + 719786.12 + 180479.01 in any order.
    store = await dialect.open()
    const rows = [
      ['H1', '555415.995'],
      ['H2', '719786.115'],
      ['H3', '180479.005'],
    ]
    const csv = `deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date
${rows.map(([id, amount]) => `O${id},2024-01-09,,r1,SaaS,EMEA,Core,Inbound,Proposal,${amount},Open,2024-01-10\nL${id},2024-01-05,2024-03-10,r1,SaaS,EMEA,Core,Inbound,Demo,${amount},Lost,2024-03-09`).join('\n')}
`
    await importCsvFile(store, { path: writeTempFile('half-cents.csv', csv), stages: DEFAULT_STAGES })
    for (const where of [{}, { region: 'EMEA' }]) {
      const stalled = await loadStalledReport(store.db, { asOf: '2024-02-20', rules, where })
      expect([stalled.stalledAmount, stalled.stale.amount]).toEqual([1455681.13, 1455681.13])
      const losses = await loadLossesReport(store.db, { asOf: '2024-07-20', where })
      expect([losses.stages[0]?.lostAmount, losses.totalLostAmount]).toEqual([1455681.13, 1455681.13])
      const winrate = await loadWinrateReport(store.db, { asOf: '2024-07-20', months: 12, where })
      expect(winrate.months.find((m) => m.month === '2024-03')?.lostAmount).toBe(1455681.13)
    }
  })

  it('add each amount in cents, half a cent up, so many amounts in mills sum to the same cent on both databases, rollup or not', async () => {
    // 3,000 deals of a few million in mills, listed out of id order: each database (and the
    // rollup, which reads them by rowid on SQLite and by id on PostgreSQL) adds them in another order.
    store = await dialect.open()
    let seed = 7
    const next = (n: number) => {
      seed = (seed * 48271) % 2147483647
      return seed % n
    }
    const lines: string[] = []
    const cents = { lost: 0, open: 0, lostBy8th: 0 }
    for (let i = 0; i < 3000; i++) {
      const id = String((i * 1237) % 3000).padStart(4, '0')
      const [whole, mills] = [1_000_000 + next(9_000_000), next(1000)]
      const amount = `${whole}.${String(mills).padStart(3, '0')}`
      const lost = i % 2 === 0
      const inCents = whole * 100 + Math.floor(mills / 10) + (mills % 10 >= 5 ? 1 : 0)
      cents[lost ? 'lost' : 'open'] += inCents
      if (lost && i % 9 !== 8) cents.lostBy8th += inCents
      lines.push(
        lost
          ? `L${id},2024-01-05,2024-03-${String(1 + (i % 9)).padStart(2, '0')},r1,SaaS,EMEA,Core,Inbound,Demo,${amount},Lost,2024-03-01`
          : `O${id},2024-01-09,,r1,SaaS,EMEA,Core,Inbound,Proposal,${amount},Open,2024-01-10`,
      )
    }
    await importCsvFile(store, { path: writeTempFile('mills.csv', `${CSV.split('\n')[0]}\n${lines.join('\n')}\n`), stages: DEFAULT_STAGES })
    const [lost, open] = [cents.lost / 100, cents.open / 100]
    const check = async () => {
      for (const where of [{}, { region: 'EMEA' }]) {
        // 2024-07-20 reads the rollup; 2024-03-08 (before the newest close) reads `deals`.
        const losses = await loadLossesReport(store!.db, { asOf: '2024-07-20', where })
        expect([losses.stages[0]?.lostAmount, losses.totalLostAmount]).toEqual([lost, lost])
        const winrate = await loadWinrateReport(store!.db, { asOf: '2024-07-20', months: 12, where })
        expect(winrate.months.find((m) => m.month === '2024-03')?.lostAmount).toBe(lost)
        expect(winrate.months.find((m) => m.month === '2024-01')?.createdAmount).toBe(roundMoney(lost + open))
        const stalled = await loadStalledReport(store!.db, { asOf: '2024-07-20', rules, where })
        expect([stalled.stalledAmount, stalled.stale.amount, stalled.openAmount]).toEqual([open, open, open])
        const before = await loadLossesReport(store!.db, { asOf: '2024-03-08', where })
        const early = await loadWinrateReport(store!.db, { asOf: '2024-03-08', months: 12, where })
        expect(early.months.find((m) => m.month === '2024-01')?.createdAmount).toBe(roundMoney(lost + open))
        expect(before.totalLostAmount).toBe(cents.lostBy8th / 100)
      }
    }
    await check()
    await refreshAnalyticsRollup(store)
    await check()
  })

  it('give no open amount once every deal has closed, though the amounts added past $10^13 keep 15 significant digits', async () => {
    // Created in January: 18000000000000.16, reported as 18000000000000.2; closed in February:
    // 9000000000000.04 won and 9000000000000.12 lost. The running open amount would keep $0.04.
    store = await dialect.open()
    const csv = `${CSV.split('\n')[0]}
B1,2024-01-05,2024-02-10,r1,SaaS,EMEA,Core,Inbound,Closed,9000000000000.04,Won,2024-01-06
B2,2024-01-06,2024-02-12,r1,SaaS,EMEA,Core,Inbound,Demo,9000000000000.04,Lost,2024-01-06
B3,2024-01-07,2024-02-13,r1,SaaS,EMEA,Core,Inbound,Demo,0.08,Lost,2024-01-06
`
    await importCsvFile(store, { path: writeTempFile('trillions.csv', csv), stages: DEFAULT_STAGES })
    for (const asOf of ['2024-03-20', '2024-02-20']) {
      const winrate = await loadWinrateReport(store.db, { asOf, months: 12 })
      expect(winrate.openPipeline).toEqual({ count: 0, amount: 0 })
      expect(winrate.months.filter((m) => m.month >= '2024-02').map((m) => [m.openAtEnd, m.openAmountAtEnd])).toEqual(
        asOf === '2024-03-20'
          ? [
              [0, 0],
              [0, 0],
            ]
          : [[0, 0]],
      )
    }
  })

  it('leave out a row whose amount no sum can hold, instead of failing the report (PostgreSQL) or reporting $Infinity', async () => {
    store = await dialect.open()
    const csv = `${CSV}H1,2024-01-11,,r1,SaaS,EMEA,Core,Inbound,Proposal,1.7e308,Open,2024-01-12\nH2,2024-01-12,,r1,SaaS,EMEA,Core,Inbound,Proposal,1.7e308,Open,2024-01-12\n`
    const summary = await importCsvFile(store, { path: writeTempFile('huge.csv', csv), stages: DEFAULT_STAGES })
    expect(summary.rejected).toBe(2)
    // Open on 2024-02-20: the open deal and the two closed in March (as the win rate's open amount at January's end).
    const stalled = await loadStalledReport(store.db, { asOf: '2024-02-20', rules })
    expect(stalled.openAmount).toBe(390000.9)
  })
})
