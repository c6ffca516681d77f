import { afterEach, describe, expect, it } from 'vitest'
import { stalledText } from '../../src/analytics/report-text.js'
import { stalledReport } from '../../src/analytics/stalled-report.js'
import type { Store } from '../../src/db/open-store.js'
import { findingsSummary } from '../../src/services/findings-summary.js'
import { loadStalledReport } from '../../src/services/load-stalled-report.js'
import { stalledBlocks } from '../../src/slack/blocks/report-blocks.js'
import { OPEN_DEAL_TEST_HEADER, openDealLine, storeWithCurrencies } from '../helpers/currency-store.js'
import { emptyStalePipeline } from '../helpers/empty-stale-pipeline.js'

const rules = { alertAmount: 50_000, idleDays: 14, staleDays: 30 }

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

// A store of open deals (each `id,amount,last activity,currency`; no currency column unless
// `withCurrency`), its stalled report and its findings summary as of 2024-07-20.
async function reportsOf(rows: string[], withCurrency: boolean) {
  await store?.close()
  const lines = rows.map((r) => {
    const [id, amount, activity, currency] = r.split(',')
    return { line: openDealLine(id as string, amount as string, activity as string), currency }
  })
  store = await storeWithCurrencies(OPEN_DEAL_TEST_HEADER, lines, withCurrency)
  const query = { asOf: '2024-07-20', rules }
  const report = await loadStalledReport(store.db, query)
  const summary = await findingsSummary(store.db, query)
  const finding = (key: string) => report.findings.find((f) => f.key === key)?.text ?? ''
  return { report, text: stalledText(report), summary: summary.findings.map((f) => f.text).join('\n'), finding }
}

// Stalled and stale: E1 (EUR), G1 (GBP); stale only, small: U1 (USD); recent, small: E2 (EUR).
const MIXED = ['E1,84000,2024-06-01,EUR', 'G1,120000,2024-06-01,gbp', 'U1,10000,2024-05-01,USD', 'E2,5000,2024-07-15,EUR']

describe('stalled findings and totals in the deals’ own currencies', () => {
  it('marks the stalled and zombie totals as mixed, naming the currencies each adds up', async () => {
    const { report, finding, summary, text } = await reportsOf(MIXED, true)
    expect(finding('stalled_deals')).toContain(
      'worth 204k (mixed currencies: EUR, GBP) are stalled (50k or more in their own currency, no activity for 14+ days)',
    )
    expect(finding('stale_pipeline')).toContain('worth 214k (mixed currencies: EUR, GBP, USD) (98% of open pipeline)')
    expect(summary).toContain('worth 204k (mixed currencies: EUR, GBP) are stalled')
    expect(summary).toContain('Zombie pipeline: 3 of 4 open deals, worth 214k (mixed currencies: EUR, GBP, USD)')
    expect(summary).not.toContain('$')
    expect(text).toContain('3 of 4 open deals, 214k (mixed currencies: EUR, GBP, USD) of 219k (mixed currencies: EUR, GBP, USD)')
    const slack = JSON.stringify(stalledBlocks(report, 'company'))
    expect(slack).toContain('*Zombie pipeline*\\n3 deals, 214k (mixed currencies: EUR, GBP, USD)')
    expect(slack).toContain('Stalled deals, company: 2 deals, 204k (mixed currencies)')
  })

  it('writes a one-currency store’s totals in its currency', async () => {
    const euros = MIXED.map((r) => r.replace(/,(gbp|USD)$/, ',EUR'))
    const { finding, summary, text } = await reportsOf(euros, true)
    expect(finding('stalled_deals')).toContain('worth 204k EUR are stalled (50k EUR or more, no activity for 14+ days)')
    expect(finding('stale_pipeline')).toContain('worth 214k EUR (98% of open pipeline)')
    expect(summary).not.toContain('$')
    expect(text).toContain('3 of 4 open deals, 214k EUR of 219k EUR')
  })

  it('keeps dollars for a store with no currency column, and for a zombie pipeline of dollars in a mixed store', async () => {
    const { finding, text } = await reportsOf(MIXED, false)
    expect(finding('stalled_deals')).toContain('worth $204k are stalled ($50k or more, no activity for 14+ days)')
    expect(finding('stale_pipeline')).toContain('worth $214k (98% of open pipeline)')
    expect(text).toContain('3 of 4 open deals, $214k of $219k')
    const dollarsStale = await reportsOf(['U1,10000,2024-05-01,USD', 'E2,5000,2024-07-15,EUR'], true)
    expect(dollarsStale.finding('stale_pipeline')).toContain('worth $10k (67% of open pipeline)')
    expect(dollarsStale.finding('stale_pipeline')).not.toContain('mixed')
  })

  it('writes the no-stalled sentence in the open pipeline’s currency', async () => {
    const { finding } = await reportsOf(['E2,5000,2024-07-15,EUR', 'E3,7000,2024-07-10,eur'], true)
    expect(finding('stalled_none')).toBe('No open deal is stalled or stale (2 open deals, 12k EUR).')
  })

  it('writes the deals left out for activity after "as of" in their own currency, and the rest in theirs', async () => {
    // U1's only recorded activity is after 2024-07-20: left out, in dollars; E1 is the euro rest.
    const { report, finding } = await reportsOf(['E1,84000,2024-07-15,EUR', 'U1,60000,2024-08-01,USD'], true)
    expect(finding('stalled_no_activity_by_as_of')).toContain('1 open deal, worth $60k, had no recorded activity by 2024-07-20')
    expect(finding('stalled_none')).toBe('No open deal with activity recorded by 2024-07-20 is stalled or stale (1 open deal, 84k EUR).')
    expect(report.noActivityByAsOf).toEqual({ count: 1, amount: 60_000 })
    expect(report.noActivityByAsOfCurrencies).toEqual(['USD'])
  })

  it('marks the over-p90 total with the currencies of the deals past their stage’s p90', () => {
    const list = (currencies: (string | null)[], amount: number) => ({ deals: [], count: 2, amount, noActivityDate: 0, currencies })
    const stale = emptyStalePipeline()
    const query = { asOf: '2024-07-20' }
    const of = (currencies: (string | null)[]) =>
      stalledReport({ stalled: list([], 0), overStageP90: list(currencies, 150_000), stale, stageTimes: [] }, { rules }, query)
    const over = (currencies: (string | null)[]) => of(currencies).findings.find((f) => f.key === 'stalled_over_p90')?.text
    expect(over(['eur', 'GBP'])).toContain('worth 150k (mixed currencies: EUR, GBP)')
    expect(over(['eur', 'EUR'])).toContain('worth 150k EUR')
    expect(over([null])).toContain('worth $150k')
    expect(stalledText(of(['eur', null]))).toContain('2 deals, 150k (mixed currencies: EUR, none stated)')
  })
})
