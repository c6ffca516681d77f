import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { winrateReport } from '../../src/analytics/winrate-report.js'
import { DEFAULT_STAGES } from '../../src/config.js'
import { monthRange } from '../../src/domain/dates.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { loadRoster } from '../../src/slack/access/load-roster.js'
import { winrateBlocks } from '../../src/slack/blocks/report-blocks.js'
import { appHomeOpenedBody, postSigned, waitFor } from '../fakes/slack-fake.js'
import { openTestStore, tempDir } from '../helpers/test-store.js'
import { AS_OF, PEOPLE, type SampleCompany, SIGNING_SECRET, startSlackTestApp } from './slack-test-app.js'

// Six complete months of 40 closed deals each, every one lost: history enough for a baseline, but
// no spread to set a normal range from. Not "too little history", as the CLI and the chart say.
const MONTHS = monthRange('2024-01', '2024-06')

describe('win-rate verdict on a history in which every deal was lost', () => {
  let company: SampleCompany
  beforeAll(async () => {
    const dir = tempDir('pulse-one-outcome-')
    const rows = [
      'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,owner_email',
    ]
    let id = 0
    for (const m of MONTHS)
      for (let i = 0; i < 40; i++) rows.push(`D${++id},${m}-01,${m}-20,rep_1,SaaS,EMEA,Core,Inbound,Demo,20000,Lost,rep@acme.example`)
    writeFileSync(join(dir, 'deals.csv'), `${rows.join('\n')}\n`)
    writeFileSync(join(dir, 'roster.yml'), 'executives: [cro@acme.example]\n')
    const store = await openTestStore()
    await importCsvFile(store, { path: join(dir, 'deals.csv'), stages: DEFAULT_STAGES })
    const emails = {
      cro: 'cro@acme.example',
      admin: 'admin@acme.example',
      manager: 'mgr@acme.example',
      rep: 'rep@acme.example',
      otherRep: 'other@acme.example',
      stranger: 'visitor@elsewhere.example',
    }
    const roster = loadRoster(join(dir, 'roster.yml'))
    company = { store, rosterPath: join(dir, 'roster.yml'), roster, emails, users: [{ id: PEOPLE.cro, email: emails.cro }] }
  })
  afterAll(async () => {
    await company.store.close()
  })

  it('/pulse winrate says no deal was won, not that the history is too short', () => {
    const outcomes = MONTHS.map((month) => ({ month, won: 0, lost: 40, wonAmount: 0, lostAmount: 8e5 }))
    const report = winrateReport(
      { outcomes, created: outcomes.map((o) => ({ month: o.month, created: 40, createdAmount: 8e5 })) },
      { asOf: AS_OF },
    )
    const text = JSON.stringify(winrateBlocks(report, 'everyone').blocks)
    expect(text).toContain('*June 2024: 0%* for 40 closed deals; none of the 240 deals closed from Jan 2024 to Jun 2024 was won')
    expect(text).not.toMatch(/too little history/)
  })

  it("the CRO's Home tab says the same", async () => {
    const t = await startSlackTestApp({ company })
    try {
      await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(PEOPLE.cro), 'application/json')
      await waitFor(() => t.fake.views.length > 0, 20_000, 'views.publish')
      const text = JSON.stringify(t.fake.views.at(-1)?.view.blocks)
      expect(text).toContain('*0%* in June 2024, 40 closed (none of the 240 deals closed from Jan 2024 to Jun 2024 was won')
      expect(text).not.toMatch(/too little history/)
    } finally {
      await t.close()
    }
  })
})
