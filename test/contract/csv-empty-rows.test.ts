import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

// contract.md, Import CSV: a file with a header row and deal rows; a bad row is quarantined and
// counted. An empty row is no deal: spreadsheets save one as a line of bare separators
// (`,,,,`), which is as empty as a blank line and is skipped like one.
const HEADER = 'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'
const EMPTY_ROW = ',,,,,,,,,,'

describe('contract: empty rows in an import CSV', () => {
  it('skips rows of bare separators and blank lines, counting and quarantining only deal rows', async () => {
    const db = join(tempDir(), 'p.db')
    const csv = writeTempFile(
      'd.csv',
      [
        HEADER,
        'D1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Won',
        EMPTY_ROW,
        ' , ,,,,,,,,,',
        'D2,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,abc,Open',
        '',
        EMPTY_ROW,
        EMPTY_ROW,
        '',
      ].join('\r\n'),
    )
    const run = await runCli('ingest', '--csv', csv, '--db', db, '--json')
    expect(run.code).toBe(0)
    const summary = JSON.parse(run.stdout)
    expect(summary).toMatchObject({ read: 2, inserted: 1, rejected: 1 })
    expect(summary.firstRejects).toEqual([
      { line: 5, reason: 'deal_amount "abc" is not a number (write it as 4253.50, $4,253.50 or USD 4,253.50)' },
    ])
  })
})
