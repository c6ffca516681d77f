import { afterEach, describe, expect, it } from 'vitest'
import { winrateText } from '../../src/analytics/report-text.js'
import { DEFAULT_STAGES } from '../../src/config.js'
import type { Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { loadWinrateReport } from '../../src/services/load-winrate-report.js'
import { winrateBlocks } from '../../src/slack/blocks/report-blocks.js'
import { CURRENCY_TEST_HEADER, storeWithCurrencies } from '../helpers/currency-store.js'
import { openTestStore, writeTempFile } from '../helpers/test-store.js'

const HEADER = CURRENCY_TEST_HEADER

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

// The win-rate report, as text and Slack, of open deals (each `id,amount,currency`; no currency column unless `withCurrency`).
async function winrateOf(rows: string[], withCurrency: boolean) {
  await store?.close()
  const lines = rows.map((r) => {
    const [id, amount, currency] = r.split(',')
    return { line: `${id},2024-06-10,,r1,SaaS,EMEA,Core,Inbound,Demo,${amount},Open,2024-07-01`, currency }
  })
  store = await storeWithCurrencies(HEADER, lines, withCurrency)
  const report = await loadWinrateReport(store.db, { asOf: '2024-07-20' })
  return { text: winrateText(report), slack: JSON.stringify(winrateBlocks(report, 'company').blocks) }
}

describe('the win-rate report’s pipeline in the deals’ currencies', () => {
  it('marks the open pipeline over several currencies as mixed, naming them', async () => {
    const { text, slack } = await winrateOf(['E1,84000,EUR', 'G1,120000,gbp', 'U1,60000,USD'], true)
    expect(text).toContain('Open pipeline on 2024-07-20: 3 deals, 264k (mixed currencies: EUR, GBP, USD).')
    expect(text).not.toContain('$')
    expect(text).toMatch(/created amount/)
    expect(slack).toContain('*Open pipeline*\\n3 deals, 264k (mixed currencies: EUR, GBP, USD)')
  })

  it('writes one currency’s pipeline in it, and dollars without a currency column', async () => {
    const euros = await winrateOf(['E1,84000,EUR', 'E2,120000,eur'], true)
    expect(euros.text).toContain('Open pipeline on 2024-07-20: 2 deals, 204k EUR.')
    expect(euros.text).toMatch(/created EUR/)
    expect(euros.slack).toContain('*Open pipeline*\\n2 deals, 204k EUR')
    const dollars = await winrateOf(['E1,84000', 'E2,120000'], false)
    expect(dollars.text).toContain('Open pipeline on 2024-07-20: 2 deals, $204k.')
    expect(dollars.text).toMatch(/created \$/)
  })
})

describe('the currencies a report names, remembered between requests', () => {
  it('follow the store once an import brings another currency, and differ by scope', async () => {
    store = await openTestStore()
    const row = (id: string, region: string, currency: string) =>
      `${id},2024-06-10,,r1,SaaS,${region},Core,Inbound,Demo,50000,Open,2024-07-01,${currency}`
    const importRows = async (rows: string[]) =>
      importCsvFile(store as Store, {
        path: writeTempFile('cur.csv', [`${HEADER},currency`, ...rows, ''].join('\n')),
        stages: DEFAULT_STAGES,
      })
    await importRows([row('E1', 'EMEA', 'EUR'), row('A1', 'APAC', 'EUR')])
    const asked = { asOf: '2024-07-20' }
    expect((await loadWinrateReport(store.db, asked)).currencies).toEqual(['EUR'])
    expect((await loadWinrateReport(store.db, asked)).currencies).toEqual(['EUR'])
    // A later import moves the store on: the answer is read again, not the one remembered.
    await importRows([row('A2', 'APAC', 'GBP')])
    expect([...((await loadWinrateReport(store.db, asked)).currencies ?? [])].sort()).toEqual(['EUR', 'GBP'])
    // Each scope has its own answer.
    expect((await loadWinrateReport(store.db, { ...asked, where: { region: 'EMEA' } })).currencies).toEqual(['EUR'])
    expect([...((await loadWinrateReport(store.db, { ...asked, where: { region: 'APAC' } })).currencies ?? [])].sort()).toEqual([
      'EUR',
      'GBP',
    ])
  })
})
