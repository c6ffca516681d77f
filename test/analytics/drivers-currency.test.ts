import { afterEach, describe, expect, it } from 'vitest'
import { driversText } from '../../src/analytics/report-text.js'
import type { Store } from '../../src/db/open-store.js'
import { addDays } from '../../src/domain/dates.js'
import { seededRandom } from '../../src/domain/seeded-random.js'
import { findingsSummary } from '../../src/services/findings-summary.js'
import { loadDriversReport } from '../../src/services/load-drivers-report.js'
import { CURRENCY_TEST_HEADER, storeWithCurrencies } from '../helpers/currency-store.js'

const AS_OF = '2024-07-20'
const HEADER = CURRENCY_TEST_HEADER

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

// The drivers report (text, findings, summary) of 600 closed deals where deals of 50k or more win
// 65% and smaller ones 15%, each deal in `currencyOf(i)` (no currency column unless `withCurrency`).
async function driversOf(currencyOf: (i: number) => string | undefined, withCurrency = true) {
  await store?.close()
  const random = seededRandom(3)
  const lines = Array.from({ length: 600 }, (_, i) => {
    const amount = Math.round(2000 + random() * 150_000)
    const won = random() < (amount >= 50_000 ? 0.65 : 0.15)
    const created = addDays(AS_OF, -400 + Math.floor(random() * 300))
    const closed = addDays(created, 20)
    const line = `A${i},${created},${closed},rep_${i % 5},SaaS,EMEA,Core,Inbound,Demo,${amount},${won ? 'Won' : 'Lost'},${closed}`
    return { line, currency: currencyOf(i) }
  })
  store = await storeWithCurrencies(HEADER, lines, withCurrency)
  const report = await loadDriversReport(store.db, { asOf: AS_OF })
  const summary = await findingsSummary(store.db, { asOf: AS_OF })
  const bands = report.findings.filter((f) => f.key.includes('amount_band')).map((f) => f.text)
  expect(bands.length).toBeGreaterThan(0)
  return { report, bands, text: driversText(report), summary: summary.sentences.join('\n') }
}

describe('the drivers report’s amount bands in the closed deals’ currencies', () => {
  it('writes the bands of a store mixing EUR, GBP and USD as bare figures in each deal’s own currency', async () => {
    const { report, bands, text, summary } = await driversOf((i) => ['EUR', 'gbp', 'USD'][i % 3])
    expect(report.closedCurrencies).toEqual(['EUR', 'GBP', 'USD'])
    for (const t of bands) expect(t).toMatch(/^Deals of (under 10k|10k-50k|50k-100k|100k or more) \(in each deal's own currency\) win/)
    expect(text).not.toContain('$')
    expect(summary).not.toContain('$')
    // The JSON keeps the contract's band names.
    expect(report.segments.some((s) => s.segment.amount_band === '50k-100k')).toBe(true)
  })

  it('writes them in the one currency of a euro store', async () => {
    const { bands, text, summary } = await driversOf(() => 'EUR')
    for (const t of bands) expect(t).toMatch(/^Deals of (under 10k EUR|10k-50k EUR|50k-100k EUR|100k EUR or more) win/)
    expect(text).not.toContain('$')
    expect(summary).toMatch(/Deals of [^$]+ EUR/)
  })

  it('keeps dollars for a store with no currency column', async () => {
    const { bands } = await driversOf(() => 'EUR', false)
    for (const t of bands) expect(t).toMatch(/^Deals of (under \$10k|\$10k-50k|\$50k-100k|\$100k or more) win/)
  })
})
