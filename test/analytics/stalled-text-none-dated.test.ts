import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

// No activity or update column: every stalled and every stale deal idles from its creation.
const HEADER = 'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'
const ROWS = [
  'W1,2024-01-03,2024-02-10,rep_1,SaaS,EMEA,Core,Inbound,Closed,12000,Won',
  'S1,2024-02-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,90000,Open',
  'S2,2024-02-05,,rep_1,SaaS,EMEA,Core,Inbound,Proposal,80000,Open',
]

afterAll(() => {
  process.exitCode = 0
})

describe('pulse report stalled text: deals that all lack a date', () => {
  it('says none of them has an activity date, not "none of them has no activity date"', async () => {
    const db = join(tempDir(), 'pulse.db')
    const ingest = await runCli('ingest', '--csv', writeTempFile('undated.csv', `${[HEADER, ...ROWS].join('\n')}\n`), '--db', db)
    expect(ingest.code, ingest.stderr).toBe(0)
    const json = await runCli('report', 'stalled', '--db', db, '--as-of', '2024-04-30', '--json')
    const report = JSON.parse(json.stdout)
    expect(report.stalledCount).toBe(2)
    expect(report.stalledWithoutActivityDate).toBe(2)
    expect(report.stale.withoutTouchDate).toBe(2)
    const text = (await runCli('report', 'stalled', '--db', db, '--as-of', '2024-04-30')).stdout
    expect(text).toContain(
      'None of them has an activity date on record, so their days idle run from the last record update, else the day they entered their stage or were created.',
    )
    expect(text).toContain('None of them has an update or activity date on record, so their quiet spell runs from')
    expect(text).not.toMatch(/has no (update or )?activity date/)
  })
})
