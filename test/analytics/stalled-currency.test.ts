import { afterEach, describe, expect, it } from 'vitest'
import { stalledText } from '../../src/analytics/report-text.js'
import { stalledChart } from '../../src/charts/stalled-chart.js'
import type { Store } from '../../src/db/open-store.js'
import { loadStalledReport } from '../../src/services/load-stalled-report.js'
import { stalledBlocks } from '../../src/slack/blocks/report-blocks.js'
import { type Json, mainRows } from '../charts/spec-helpers.js'
import { OPEN_DEAL_TEST_HEADER, openDealLine, storeWithCurrencies } from '../helpers/currency-store.js'

const rules = { alertAmount: 50_000, idleDays: 14, staleDays: 30 }

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

// The stalled report of a store holding `rows` (each `id,amount,currency`, or `id,amount` without a
// currency column) as a chart, as text and as Slack blocks.
async function chartOf(rows: string[], withCurrency: boolean) {
  await store?.close()
  const lines = rows.map((r) => {
    const [id, amount, currency] = r.split(',')
    return { line: openDealLine(id as string, amount as string, '2024-06-01'), currency }
  })
  store = await storeWithCurrencies(OPEN_DEAL_TEST_HEADER, lines, withCurrency)
  const report = await loadStalledReport(store.db, { asOf: '2024-07-20', rules })
  const chart = stalledChart(report)
  return {
    text: stalledText(report),
    slack: JSON.stringify(stalledBlocks(report, 'company').blocks),
    chart,
    labels: mainRows(chart.spec).map((r: Json) => r.label as string),
    subtitle: (chart.spec as Json).title.subtitle.join(' '),
  }
}

describe('the stalled report in the deals’ own currencies', () => {
  it('writes each amount in its deal’s currency, and says that the total mixes currencies', async () => {
    const { chart, labels, subtitle } = await chartOf(['E1,84000,EUR', 'G1,120000,gbp', 'U1,60000,USD'], true)
    expect(labels).toEqual(['120k GBP \u00b7 49 days idle', '84k EUR \u00b7 49 days idle', '$60k \u00b7 49 days idle'])
    expect(chart.title).toBe('3 stalled deals worth 264k (mixed currencies) with no activity for 14+ days')
    expect(subtitle).toContain('Open deals of 50k+ in their own currency')
    expect(subtitle).toContain("Amounts are in each deal's own currency (EUR, GBP, USD): the totals add them up without conversion.")
    expect(chart.altText).toContain('84k EUR')
    expect(chart.altText).not.toContain('$84k')
  })

  it('writes the text table and the Slack list in the same currencies, with the same note', async () => {
    const { text, slack } = await chartOf(['E1,84000,EUR', 'G1,120000,gbp', 'U1,60000,USD'], true)
    expect(text).toMatch(/E1 +r1 +84k EUR +Demo/)
    expect(text).toMatch(/G1 +r1 +120k GBP +Demo/)
    expect(text).toMatch(/U1 +r1 +\$60k +Demo/)
    expect(text).toContain('3 open deals of 50k+ in their own currency idle 14+ days, 264k (mixed currencies)')
    expect(text).toContain("Amounts are in each deal's own currency (EUR, GBP, USD): the totals add them up without conversion.")
    expect(slack).toContain('84k EUR, Demo')
    expect(slack).toContain('worth 264k (mixed currencies) (at least 50k in their own currency')
    const euros = await chartOf(['E1,84000,EUR', 'E2,70000,eur'], true)
    expect(euros.text).toContain('2 open deals of 50k EUR+ idle 14+ days, 154k EUR')
    expect(euros.slack).toContain('worth 154k EUR (at least 50k EUR,')
    const dollars = await chartOf(['A1,84000', 'A2,60000'], false)
    expect(dollars.text).toContain('2 open deals of $50k+ idle 14+ days, $144k')
    expect(dollars.slack).toContain('worth $144k (at least $50k,')
  })

  it('writes a one-currency store in that currency, with no note', async () => {
    const { chart, labels, subtitle } = await chartOf(['E1,84000,EUR', 'E2,70000,eur'], true)
    expect(labels).toEqual(['84k EUR \u00b7 49 days idle', '70k EUR \u00b7 49 days idle'])
    expect(chart.title).toBe('2 stalled deals worth 154k EUR with no activity for 14+ days')
    expect(subtitle).toContain('Open deals of 50k EUR+ with no activity')
    expect(subtitle).not.toContain('own currency')
  })

  it('names the deals with no currency stated when others have one', async () => {
    const { labels, subtitle } = await chartOf(['E1,84000,EUR', 'N1,60000,'], true)
    expect(labels).toEqual(['84k EUR \u00b7 49 days idle', '$60k \u00b7 49 days idle'])
    expect(subtitle).toContain('(EUR and none stated (written as $))')
  })

  it('keeps dollars for a store with no currency column', async () => {
    const { chart, labels, subtitle } = await chartOf(['A1,84000', 'A2,60000'], false)
    expect(labels).toEqual(['$84k \u00b7 49 days idle', '$60k \u00b7 49 days idle'])
    expect(chart.title).toBe('2 stalled deals worth $144k with no activity for 14+ days')
    expect(subtitle).toContain('Open deals of $50k+ with no activity')
    expect(subtitle).not.toContain('currency')
  })
})
