import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,owner_email'

describe('pulse alerts --dry-run', () => {
  it('counts as DMs only the stalled deals whose owner has an email, and says how many others nobody can be DMed about', async () => {
    const db = join(tempDir(), 'p.db')
    const csv = [
      HEADER,
      'S1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,80000,Open,2024-05-01,ana@acme.example',
      'S2,2024-01-03,,rep_2,SaaS,EMEA,Core,Inbound,Demo,70000,Open,2024-05-02,',
      'S3,2024-01-04,,rep_3,SaaS,EMEA,Core,Inbound,Proposal,60000,Open,2024-05-03,',
      'S4,2024-01-05,,rep_1,SaaS,EMEA,Core,Inbound,Demo,90000,Open,2024-06-25,ana@acme.example',
    ].join('\n')
    expect((await runCli('ingest', '--csv', writeTempFile('d.csv', csv), '--db', db)).code).toBe(0)
    const run = await runCli('alerts', '--dry-run', '--db', db, '--as-of', '2024-07-01')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout.split('\n')[0]).toBe(
      "1 stalled-deal DM would be sent as of 2024-07-01; 2 more stalled deals have no owner email (owner_email in the CSV, or the CRM owner's email), so nobody can be DMed about them:",
    )
    // The JSON lists every stalled deal, the owner's email null where there is none.
    const json = JSON.parse((await runCli('alerts', '--dry-run', '--json', '--db', db, '--as-of', '2024-07-01')).stdout)
    expect(json.alerts.map((a: { dealId: string; ownerEmail: string | null }) => [a.dealId, a.ownerEmail])).toEqual([
      ['S1', 'ana@acme.example'],
      ['S2', null],
      ['S3', null],
    ])
  })
})
