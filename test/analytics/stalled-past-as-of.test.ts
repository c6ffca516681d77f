import { afterEach, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import type { Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { findingsSummary } from '../../src/services/findings-summary.js'
import { loadStalledReport } from '../../src/services/load-stalled-report.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { writeTempFile } from '../helpers/test-store.js'

// On 2024-03-31, P1 and P2 were open (large, quiet since early March); both closed in April.
const CSV = `deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date
P1,2024-02-01,2024-04-20,r1,SaaS,EMEA,Core,Inbound,Closed,90000,Won,2024-04-19
P2,2024-02-01,2024-04-25,r1,SaaS,EMEA,Core,Inbound,Demo,80000,Lost,2024-04-24
O1,2024-06-01,,r1,SaaS,EMEA,Core,Inbound,Demo,70000,Open,2024-06-02
`
const rules = { alertAmount: 50_000, idleDays: 14, staleDays: 30 }

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

describeEachDialect('the stalled report as of a past day', (dialect) => {
  it('says that deals open then have closed since instead of that no open deal was stalled', async () => {
    store = await dialect.open()
    await importCsvFile(store, { path: writeTempFile('past.csv', CSV), stages: DEFAULT_STAGES })
    const past = await loadStalledReport(store.db, { asOf: '2024-03-31', rules })
    expect(past.closedSince).toBe(2)
    expect(past.findings.map((f) => [f.key, f.significant])).toEqual([['stalled_past_as_of', false]])
    expect(past.findings[0]!.text).toMatch(/^2 deals open on 2024-03-31 have closed since and are not counted/)
    const now = await loadStalledReport(store.db, { asOf: '2024-07-20', rules })
    expect(now.closedSince).toBe(0)
    expect(now.findings.map((f) => f.key)).toEqual(['stalled_deals', 'stale_pipeline'])
  })

  it('scopes the stalled and zombie sentences to the deals still open, also in the summary that leaves out the note', async () => {
    store = await dialect.open()
    // Q1 and Q2 are still open, quiet since early March; P1 and P2 were open on 2024-03-31 and closed in April.
    const rows = `Q1,2024-02-01,,r1,SaaS,EMEA,Core,Inbound,Demo,90000,Open,2024-03-01
Q2,2024-02-01,,r1,SaaS,EMEA,Core,Inbound,Demo,20000,Open,2024-02-20
`
    await importCsvFile(store, { path: writeTempFile('past.csv', CSV + rows), stages: DEFAULT_STAGES })
    const past = await loadStalledReport(store.db, { asOf: '2024-03-31', rules })
    expect(past.closedSince).toBe(2)
    const text = new Map(past.findings.map((f) => [f.key, f.text]))
    expect(text.get('stalled_deals')).toBe(
      'Of the deals open on 2024-03-31 that are still open now, 1 worth $90k was stalled ($50k or more, no activity for 14+ days).',
    )
    expect(text.get('stale_pipeline')).toMatch(
      /^Zombie pipeline: 1 of the 2 deals open on 2024-03-31 that are still open now, worth \$20k \(18% of open pipeline\), has had no update/,
    )
    const summary = await findingsSummary(store.db, { asOf: '2024-03-31', rules })
    expect(summary.sentences).toContain(text.get('stalled_deals'))
    expect(summary.sentences.some((t) => /^\d+ open deals? worth/.test(t) || /of \d+ open deals/.test(t))).toBe(false)
    // As of today (nothing closed since) the sentences speak of the open deals, as before.
    const now = await loadStalledReport(store.db, { asOf: '2024-07-20', rules })
    expect(now.findings.find((f) => f.key === 'stalled_deals')?.text).toMatch(/^2 open deals worth \$160k are stalled/)
  })
})
