import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Store } from '../../src/db/open-store.js'
import { findingsSummary } from '../../src/services/findings-summary.js'
import { loadDriversReport } from '../../src/services/load-drivers-report.js'
import { loadFunnelReport } from '../../src/services/load-funnel-report.js'
import { loadLossesReport } from '../../src/services/load-losses-report.js'
import { loadStalledReport } from '../../src/services/load-stalled-report.js'
import { loadTimeInStageReport } from '../../src/services/load-time-in-stage-report.js'
import { loadWinrateReport } from '../../src/services/load-winrate-report.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { closedDeals, insertDeals } from './deal-fixtures.js'

describeEachDialect('reports on hand-made deals', (dialect) => {
  let store: Store
  beforeEach(async () => {
    store = await dialect.open()
  })
  afterEach(async () => {
    await store.close()
  })

  describe('win-rate report on hand-made months', () => {
    it('judges complete months against earlier ones, keeps an empty month and the partial month unjudged', async () => {
      await insertDeals(store, [
        ...closedDeals('a', '2024-01', 30, 70),
        ...closedDeals('a', '2024-02', 30, 70),
        ...closedDeals('a', '2024-03', 30, 70),
        ...closedDeals('a', '2024-04', 30, 70),
        // May: nothing closed
        ...closedDeals('a', '2024-06', 15, 85),
        ...closedDeals('a', '2024-07', 0, 30, {}, '05'),
        // closes after as-of: not counted anywhere yet
        ...closedDeals('late', '2024-07', 5, 0, {}, '25'),
        { deal_id: 'open-1', created_date: '2024-06-20', amount: 70_000 },
      ])
      const r = await loadWinrateReport(store.db, { asOf: '2024-07-20', months: 7 })
      expect(r.months.map((m) => m.month)).toEqual(['2024-01', '2024-02', '2024-03', '2024-04', '2024-05', '2024-06', '2024-07'])
      const may = r.months[4]!
      expect(may).toMatchObject({ won: 0, lost: 0, winRate: null, anomaly: null, partial: false, lcl: null })
      const june = r.months[5]!
      expect(june.center).toBeCloseTo(0.3, 12)
      expect(june.lcl).toBeCloseTo(0.162523, 6)
      expect(june.anomaly).toBe('low')
      const july = r.months[6]!
      expect(july).toMatchObject({ partial: true, anomaly: null, won: 0, lost: 30 })
      // contract keys are all present
      for (const key of ['month', 'won', 'lost', 'winRate', 'center', 'lcl', 'ucl', 'partial', 'anomaly']) expect(july).toHaveProperty(key)
      // pipeline: 6 deals open at as-of (5 closing later + 1 open)
      expect(r.openPipeline.count).toBe(6)
      expect(r.findings[0]!.text).toContain("Jun 2024's win rate of 15%")
      expect(r.findings[0]!.significant).toBe(true)
    })

    it('says the latest month is within the normal range when nothing is flagged', async () => {
      await insertDeals(
        store,
        ['01', '02', '03', '04', '05', '06'].flatMap((m) => closedDeals('a', `2024-${m}`, 40, 60)),
      )
      const r = await loadWinrateReport(store.db, { asOf: '2024-07-02' })
      expect(r.months.every((m) => m.anomaly === null)).toBe(true)
      expect(r.findings).toHaveLength(1)
      expect(r.findings[0]!.significant).toBe(false)
      expect(r.findings[0]!.text).toMatch(/^Jun 2024's win rate of 40% is within the normal range of 25%-55% for 100 closed deals/)
    })

    it('says when "as of" is before the first deal, naming the day the data starts', async () => {
      await insertDeals(store, [...closedDeals('a', '2024-03', 2, 1), ...closedDeals('b', '2024-05', 1, 1)])
      const first = (await store.db.selectFrom('deals').select('created_date').orderBy('created_date').executeTakeFirstOrThrow())
        .created_date
      const early = await loadWinrateReport(store.db, { asOf: '2023-12-31' })
      expect(early.findings.map((f) => f.text)).toEqual([
        `No deal was created by 2023-12-31: the first deal was created on ${first}. Run the report as of a later date.`,
      ])
      // With deals by "as of", too little history is still said as such.
      const later = await loadWinrateReport(store.db, { asOf: '2024-06-10' })
      expect(later.findings.map((f) => f.key)).toEqual(['winrate_no_baseline'])
    })

    it('applies --where filters', async () => {
      await insertDeals(store, [
        ...closedDeals('e', '2024-01', 3, 1, { region: 'EMEA' }),
        ...closedDeals('n', '2024-01', 1, 3, { region: 'NA' }),
      ])
      const r = await loadWinrateReport(store.db, { asOf: '2024-02-10', where: { region: 'NA' } })
      expect(r.months.find((m) => m.month === '2024-01')).toMatchObject({ won: 1, lost: 3 })
    })
  })

  describe('losses and funnel', () => {
    const lost = (id: string, stage: string, amount: number, created: string, closed: string) => ({
      deal_id: id,
      outcome: 'lost' as const,
      stage,
      amount,
      created_date: created,
      closed_date: closed,
    })

    it('counts losses by stage lost at with shares, days spent and the late-stage share', async () => {
      await insertDeals(store, [
        lost('l1', 'Qualified', 10_000, '2024-01-01', '2024-01-11'),
        lost('l2', 'Negotiation', 60_000, '2024-01-01', '2024-03-01'),
        lost('l3', 'Negotiation', 40_000, '2024-01-01', '2024-02-01'),
        lost('l4', 'Proposal', 30_000, '2024-01-01', '2024-01-21'),
        { deal_id: 'w1', outcome: 'won', closed_date: '2024-02-01' },
      ])
      const r = await loadLossesReport(store.db, { asOf: '2024-06-30' })
      expect(r.stages.map((s) => [s.stage, s.lost, s.lostAmount])).toEqual([
        ['Negotiation', 2, 100_000],
        ['Proposal', 1, 30_000],
        ['Qualified', 1, 10_000],
      ])
      expect(r.stages[0]!.share).toBeCloseTo(0.5, 12)
      expect(r.stages[0]!.daysSpent).toBe(60 + 31)
      expect(r.lateStages).toEqual(['Proposal', 'Negotiation'])
      expect(r.lateStageShare).toBeCloseTo(0.75, 12)
      expect(r.lateStageAmountShare).toBeCloseTo(130 / 140, 12)
    })

    it('builds the funnel from stage at close when there is no stage history, and says so', async () => {
      await insertDeals(store, [
        lost('l1', 'Qualified', 1, '2024-01-01', '2024-01-11'),
        lost('l2', 'Negotiation', 1, '2024-01-01', '2024-01-11'),
        lost('l3', 'Closed', 1, '2024-01-01', '2024-01-11'),
        { deal_id: 'w1', outcome: 'won', closed_date: '2024-02-01', stage: 'Demo' },
        { deal_id: 'w2', outcome: 'won', closed_date: '2024-02-01' },
        { deal_id: 'o1', stage: 'Demo' },
      ])
      const r = await loadFunnelReport(store.db, { asOf: '2024-06-30' })
      expect(r.source).toBe('stage_at_close')
      expect(r.sourceNote).toContain('1 lost or open deal is left out: the stage it sat at is not one of the open stages')
      expect(r.stages.map((s) => [s.stage, s.reached, s.advanced, s.lost, s.open])).toEqual([
        ['Qualified', 5, 4, 1, 0],
        ['Demo', 4, 3, 0, 1],
        ['Proposal', 3, 3, 0, 0],
        ['Negotiation', 3, 2, 1, 0],
        ['Closed', 2, 2, 0, 0],
      ])
      expect(r.stages[0]!.conversion).toBeCloseTo(0.8, 12)
      expect(r.stages[3]!.leakage).toBeCloseTo(1 / 3, 12)
    })

    it('builds the funnel from stage history when there is one', async () => {
      await insertDeals(store, [
        // lost at Demo but its history shows it got to Proposal before moving back
        lost('l1', 'Demo', 1, '2024-01-01', '2024-02-01'),
        { deal_id: 'o1', stage: 'Qualified', created_date: '2024-01-01' },
      ])
      await store.db
        .insertInto('stage_history')
        .values([
          { deal_id: 'l1', stage: 'Qualified', entered_at: '2024-01-01', left_at: '2024-01-05' },
          { deal_id: 'l1', stage: 'Proposal', entered_at: '2024-01-05', left_at: '2024-01-10' },
          { deal_id: 'l1', stage: 'Demo', entered_at: '2024-01-10', left_at: null },
          { deal_id: 'o1', stage: 'Qualified', entered_at: '2024-01-01', left_at: null },
        ])
        .execute()
      const r = await loadFunnelReport(store.db, { asOf: '2024-06-30' })
      expect(r.source).toBe('stage_history')
      expect(r.stages.map((s) => [s.stage, s.reached, s.advanced])).toEqual([
        ['Qualified', 2, 1],
        ['Demo', 1, 1],
        ['Proposal', 1, 0],
        ['Negotiation', 0, 0],
        ['Closed', 0, 0],
      ])
      expect(r.stages[3]!.conversion).toBeNull()
    })

    it('works with a single open stage', async () => {
      await insertDeals(store, [
        lost('l1', 'Open', 1, '2024-01-01', '2024-01-11'),
        { deal_id: 'w1', outcome: 'won', closed_date: '2024-01-11', stage: 'Won' },
      ])
      const stages = ['Open', 'Closed']
      const funnel = await loadFunnelReport(store.db, { asOf: '2024-06-30', stages })
      expect(funnel.stages.map((s) => [s.stage, s.reached, s.advanced, s.lost])).toEqual([
        ['Open', 2, 1, 1],
        ['Closed', 1, 1, 0],
      ])
      const losses = await loadLossesReport(store.db, { asOf: '2024-06-30', stages })
      // One open stage: no stage is late (every loss would be).
      expect(losses.lateStages).toEqual([])
      expect(losses.lateStageShare).toBeNull()
      expect(losses.stages.map((s) => [s.stage, s.lost])).toEqual([['Open', 1]])
    })
  })

  describe('time in stage', () => {
    it('uses Kaplan-Meier over history stays, keeping the running stay censored', async () => {
      await insertDeals(store, [
        { deal_id: 'a', created_date: '2024-01-01', outcome: 'lost', closed_date: '2024-01-09', stage: 'Qualified' },
        { deal_id: 'b', created_date: '2024-01-01', outcome: 'won', closed_date: '2024-03-01' },
        { deal_id: 'c', created_date: '2024-01-01', stage: 'Qualified' },
      ])
      await store.db
        .insertInto('stage_history')
        .values([
          // a: Qualified 8 days, ended by its close (left_at empty)
          { deal_id: 'a', stage: 'Qualified', entered_at: '2024-01-01', left_at: null },
          // b: Qualified 2 days, then Demo 10 days
          { deal_id: 'b', stage: 'Qualified', entered_at: '2024-01-01T09:00:00.000Z', left_at: '2024-01-03T10:00:00.000Z' },
          { deal_id: 'b', stage: 'Demo', entered_at: '2024-01-03T10:00:00.000Z', left_at: '2024-01-13' },
          { deal_id: 'b', stage: 'Closed', entered_at: '2024-03-01', left_at: null },
          // c: still in Qualified after 20 days (censored)
          { deal_id: 'c', stage: 'Qualified', entered_at: '2024-01-01', left_at: null },
        ])
        .execute()
      const r = await loadTimeInStageReport(store.db, { asOf: '2024-01-21' })
      expect(r.source).toBe('stage_history')
      const q = r.stages.find((s) => s.stage === 'Qualified')!
      // stays 2, 8 (events) and 20 (censored): S(2)=2/3, S(8)=1/3 -> median 8, p75 and p90 never reached
      expect(q).toMatchObject({ stays: 3, completed: 2, censored: 1, median: 8, p75: null, p90: null })
      expect(r.stages.find((s) => s.stage === 'Demo')).toMatchObject({ completed: 1, median: 10, p90: 10 })
    })

    it('without stage history uses entered dates: open stays censored, lost stays completed', async () => {
      await insertDeals(store, [
        {
          deal_id: 'a',
          created_date: '2024-01-01',
          stage_entered_date: '2024-01-05',
          outcome: 'lost',
          closed_date: '2024-01-09',
          stage: 'Demo',
        },
        { deal_id: 'b', created_date: '2024-01-01', stage_entered_date: '2024-01-11', stage: 'Demo' },
      ])
      const r = await loadTimeInStageReport(store.db, { asOf: '2024-01-21' })
      expect(r.source).toBe('stage_at_close')
      expect(r.stages.find((s) => s.stage === 'Demo')).toMatchObject({ completed: 1, censored: 1, median: 4 })
    })
  })

  describe('drivers', () => {
    it('gives Wilson bounds, lift, p and BH q for every value, and never calls a small segment significant', async () => {
      await insertDeals(store, [
        // EMEA: 10 of 10 won (a segment with all wins); NA: 30 of 90
        ...closedDeals('e', '2024-01', 10, 0, { region: 'EMEA' }),
        ...closedDeals('n', '2024-01', 30, 60, { region: 'NA' }),
      ])
      const r = await loadDriversReport(store.db, { asOf: '2024-06-30' })
      expect(r.overallWinRate).toBeCloseTo(0.4, 12)
      const emea = r.segments.find((s) => s.label === 'EMEA' && Object.keys(s.segment).length === 1)!
      expect(emea).toMatchObject({ n: 10, won: 10, winRate: 1, test: 'fisher', significant: false, direction: null })
      expect(emea.ciLow).toBeCloseTo(0.7224672, 7)
      expect(emea.ciHigh).toBeCloseTo(1, 10)
      expect(emea.lift).toBeCloseTo(3, 12)
      expect(emea.qValue).toBeLessThan(0.05)
      expect(r.segments.every((s) => s.qValue >= s.pValue)).toBe(true)
      // the two regions are the same test seen from both sides: NA's "all others" are EMEA's 10
      // deals, so NA is not called significant either, though it holds 90
      const na = r.segments.find((s) => s.segment.region === 'NA' && Object.keys(s.segment).length === 1)!
      expect(na.pValue).toBeCloseTo(emea.pValue, 12)
      expect(na).toMatchObject({ n: 90, othersN: 10, significant: false, direction: null })
      expect(r.findings.map((f) => f.significant)).toEqual([false])
      expect(r.findings[0]!.text).toMatch(/^Too few closed deals to name a driver: .* has 30 deals and 30 others to compare it with/)
    })
  })

  describe('stalled and stale', () => {
    it('lists stalled deals, flags long stage stays separately, and counts zombie pipeline', async () => {
      await insertDeals(store, [
        // stalled: large and idle 20 days
        { deal_id: 's1', amount: 80_000, stage: 'Demo', created_date: '2024-01-01', last_activity_date: '2024-06-10' },
        // exactly at both thresholds: stalled (>=)
        { deal_id: 's2', amount: 50_000, stage: 'Demo', created_date: '2024-01-01', last_activity_date: '2024-06-16' },
        // small: never stalled
        { deal_id: 'x1', amount: 49_999, stage: 'Demo', created_date: '2024-01-01', last_activity_date: '2024-05-01' },
        // active, but in Demo far longer than others: past the stage p90
        {
          deal_id: 'p1',
          amount: 90_000,
          stage: 'Demo',
          created_date: '2024-01-01',
          stage_entered_date: '2024-02-01',
          last_activity_date: '2024-06-29',
        },
        // 40 quick Demo stays (1-5 days), so Demo's p90 is 5 days despite the 4 long censored stays
        ...Array.from({ length: 40 }, (_, i) => ({
          deal_id: `h${i}`,
          outcome: 'lost' as const,
          stage: 'Demo',
          created_date: '2024-01-01',
          stage_entered_date: '2024-01-01',
          closed_date: `2024-01-0${(i % 5) + 2}`,
        })),
      ])
      const r = await loadStalledReport(store.db, { asOf: '2024-06-30' })
      expect(r.stalled.map((d) => [d.dealId, d.daysIdle])).toEqual([
        ['s1', 20],
        ['s2', 14],
      ])
      expect(r.stalledCount).toBe(2)
      expect(r.stalledAmount).toBe(130_000)
      expect(r.overStageP90.map((d) => [d.dealId, d.stageP90, d.daysInStage])).toEqual([['p1', 5, 150]])
      // zombie: open deals with no touch for more than 30 days (x1 since May 1st)
      expect(r.stale).toEqual({ count: 1, amount: 49_999, withoutTouchDate: 0, closedCount: 0 })
      expect(Object.keys(r.stalled[0]!)).toEqual(expect.arrayContaining(['dealId', 'ownerEmail', 'amount', 'stage', 'daysIdle']))
      const limited = await loadStalledReport(store.db, { asOf: '2024-06-30', limit: 1 })
      expect(limited.stalled).toHaveLength(1)
      expect(limited.stalledCount).toBe(2)
      // Without stage times (as the summary reads it): the same stalled and stale figures, no p90 flags.
      const lean = await loadStalledReport(store.db, { asOf: '2024-06-30' }, { stageTimes: false })
      expect(lean.overStageP90).toEqual([])
      expect(lean.stalled.map((d) => d.stageP90)).toEqual([null, null])
      // Demo's 40 completed stays make its p90 a threshold; the stages with no stay have none.
      expect(r.stagesWithoutP90).toEqual(['Qualified', 'Proposal', 'Negotiation'])
      expect(lean.stagesWithoutP90).toEqual([])
      expect({
        ...lean,
        overStageP90: r.overStageP90,
        overStageP90Count: 1,
        overStageP90Amount: 90_000,
        overStageP90Currencies: [null],
      }).toEqual({
        ...r,
        stagesWithoutP90: [],
        stalled: r.stalled.map((d) => ({ ...d, stageP90: null })),
        findings: r.findings.filter((f) => f.key !== 'stalled_over_p90'),
      })
      const summary = await findingsSummary(store.db, { asOf: '2024-06-30' })
      expect(summary.findings.filter((f) => f.report === 'stalled').map((f) => f.key)).toEqual(['stalled_deals', 'stale_pipeline'])
    })
  })

  describe('findings summary', () => {
    it('states only supported findings, and says the win rate is within normal range otherwise', async () => {
      // losses spread evenly over the four open stages: no stage stands out
      await insertDeals(
        store,
        ['01', '02', '03', '04', '05', '06'].flatMap((m) => [
          ...closedDeals(`w${m}`, `2024-${m}`, 40, 0),
          ...['Qualified', 'Demo', 'Proposal', 'Negotiation'].flatMap((stage) =>
            closedDeals(`${stage}${m}`, `2024-${m}`, 0, 15, { stage }),
          ),
        ]),
      )
      const s = await findingsSummary(store.db, { asOf: '2024-07-02' })
      expect(s.sentences[0]).toContain('within the normal range')
      expect(s.findings.filter((f) => f.significant)).toEqual([])
      expect(s.sentences.some((t) => t.startsWith('No segment'))).toBe(true)
    })
  })
})
