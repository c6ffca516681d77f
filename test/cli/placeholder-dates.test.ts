import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,updated_date'

// 0001-01-01 and 0000-00-00 are what some tools write for "no date"; real old dates stay dates.
const ROWS = [
  'P1,0001-01-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,80000,Open,2024-06-01,',
  'P2,2024-06-01,0001-01-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,80000,Won,2024-06-01,',
  'P3,2024-06-01,0000-00-00,rep_1,SaaS,EMEA,Core,Inbound,Demo,80000,Open,0001-01-01T00:00:00Z,0000-00-00 00:00:00',
  'P4,1901-06-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,80000,Open,1901-06-02,',
  'P5,0001-01-01,0001-02-10,rep_1,SaaS,EMEA,Core,Inbound,Closed,100,Won,,',
  'P6,2024-06-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,80000,Open,,0001-01-01',
  // Every empty date cell written so: none of them dates the row.
  'P7,2024-06-01,0001-01-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,80000,Open,0001-01-01,0001-01-01',
]

function writeCsv(): string {
  const csv = join(tempDir('pulse-placeholder-'), 'deals.csv')
  writeFileSync(csv, [HEADER, ...ROWS].join('\n'))
  return csv
}

describe('pulse ingest with dates written as placeholders for "no date"', () => {
  it('quarantines a required date that is one, with a reason that says so, and reads an optional one as empty, counted', async () => {
    const csv = writeCsv()
    const db = join(tempDir('pulse-placeholder-'), 'pulse.db')
    const run = await runCli('ingest', '--csv', csv, '--db', db, '--json')
    expect(run.code).toBe(0)
    const out = JSON.parse(run.stdout)
    expect(out).toMatchObject({ inserted: 5, rejected: 2, placeholderDates: 3, activityBeforeCreated: 0 })
    expect(out.firstRejects).toEqual([
      {
        line: 2,
        reason: expect.stringMatching(/^created_date "0001-01-01" looks like a placeholder for "no date".*export the real date$/),
      },
      { line: 3, reason: expect.stringMatching(/^closed_date "0001-01-01" looks like a placeholder for "no date".*the deal was won/) },
    ])
    const p3 = JSON.parse((await runCli('deal', 'P3', '--db', db, '--as-of', '2024-07-20', '--json')).stdout)
    expect(p3).toMatchObject({ createdDate: '2024-06-01', lastActivityDate: null, closedDate: null })
    const p7 = JSON.parse((await runCli('deal', 'P7', '--db', db, '--as-of', '2024-07-20', '--json')).stdout)
    expect(p7).toMatchObject({ lastActivityDate: null, closedDate: null })
    // A real old date, and a row of year 1 (its deal closed then too), stay as written.
    const p4 = JSON.parse((await runCli('deal', 'P4', '--db', db, '--as-of', '2024-07-20', '--json')).stdout)
    expect(p4).toMatchObject({ createdDate: '1901-06-01', lastActivityDate: '1901-06-02' })
    const p5 = JSON.parse((await runCli('deal', 'P5', '--db', db, '--as-of', '2024-07-20', '--json')).stdout)
    expect(p5).toMatchObject({ createdDate: '0001-01-01', closedDate: '0001-02-10' })
  })

  it('says in the text summary what it read as empty and what to export', async () => {
    const run = await runCli('ingest', '--csv', writeCsv(), '--db', join(tempDir('pulse-placeholder-'), 'pulse.db'))
    expect(run.stdout).toMatch(
      /^3 rows have an optional date .* written as 0001-01-01 or 0000-00-00, which some tools write for "no date": they were read as empty/m,
    )
    expect(run.stdout).toMatch(/line 2: created_date "0001-01-01" looks like a placeholder/)
  })
})
