import { afterEach, describe, expect, it } from 'vitest'
import { lossesText } from '../../src/analytics/report-text.js'
import { lossesChart } from '../../src/charts/losses-chart.js'
import { DEFAULT_STAGES } from '../../src/config.js'
import type { Store } from '../../src/db/open-store.js'
import { loadLossesReport } from '../../src/services/load-losses-report.js'
import { lossesBlocks } from '../../src/slack/blocks/report-blocks.js'
import { CURRENCY_TEST_HEADER, storeWithCurrencies } from '../helpers/currency-store.js'

const HEADER = CURRENCY_TEST_HEADER

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

// The losses report of a store of deals (each `id,stage,amount,outcome,currency`; no currency
// column unless `withCurrency`) as of 2024-07-20, as text, findings and chart.
async function lossesOf(rows: string[], withCurrency: boolean) {
  await store?.close()
  const lines = rows.map((r) => {
    const [id, stage, amount, outcome, currency] = r.split(',')
    const closed = outcome === 'Open' ? '' : '2024-06-01'
    return { line: `${id},2024-01-10,${closed},r1,SaaS,EMEA,Core,Inbound,${stage},${amount},${outcome},2024-05-20`, currency }
  })
  store = await storeWithCurrencies(HEADER, lines, withCurrency)
  const report = await loadLossesReport(store.db, { asOf: '2024-07-20' })
  return { report, text: lossesText(report), findings: report.findings.map((f) => f.text).join('\n'), chart: lossesChart(report) }
}

const late = DEFAULT_STAGES.filter((s) => !/won|lost|closed/i.test(s)).slice(-1)[0] as string
// Lost: E1 (EUR, late), G1 (GBP, late), U1 (USD, early); the open O1 in JPY adds nothing lost.
const MIXED = [
  `E1,${late},84000,Lost,EUR`,
  `G1,${late},120000,Lost,gbp`,
  `U1,${DEFAULT_STAGES[0]},60000,Lost,USD`,
  `O1,${late},5000,Open,JPY`,
]

describe('the losses report in the lost deals’ currencies', () => {
  it('marks a total over mixed currencies as mixed, naming the lost deals’ currencies, and writes the rows as bare figures', async () => {
    const { report, text, findings, chart } = await lossesOf(MIXED, true)
    expect(report.totalLostAmount).toBe(264_000)
    expect(report.lostCurrencies).toEqual(['EUR', 'GBP', 'USD'])
    expect(text).toContain('3 lost deals, 264k (mixed currencies: EUR, GBP, USD)')
    expect(text).not.toContain('$')
    expect(findings).toContain('(204k (mixed currencies: EUR, GBP, USD),')
    const slack = JSON.stringify(lossesBlocks(report, 'company').blocks)
    expect(slack).toContain('3 lost deals, 264k (mixed currencies: EUR, GBP, USD)')
    expect(slack).not.toContain('$')
    const subtitle = (chart.spec as { title: { subtitle: string[] } }).title.subtitle.join(' ')
    expect(subtitle).toContain('worth 264k (mixed currencies: EUR, GBP, USD).')
    expect(chart.title).toBe('67% of lost deals (204k (mixed currencies)) were lost late, at Proposal or Negotiation')
    expect(JSON.stringify(chart.spec)).not.toContain('$')
  })

  it('writes a one-currency store’s losses in its currency', async () => {
    const euros = MIXED.map((r) => r.replace(/,(gbp|USD|JPY)$/, ',EUR'))
    const { text, findings, chart } = await lossesOf(euros, true)
    expect(text).toContain('3 lost deals, 264k EUR')
    expect(text).toMatch(/204k EUR/)
    expect(findings).toContain('(204k EUR,')
    expect(JSON.stringify(chart.spec)).not.toContain('$')
  })

  it('keeps dollars for a store with no currency column', async () => {
    const { text, findings } = await lossesOf(MIXED, false)
    expect(text).toContain('3 lost deals, $264k')
    expect(findings).toContain('($204k,')
  })
})
