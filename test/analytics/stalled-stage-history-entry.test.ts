import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { daysBetween } from '../../src/domain/dates.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

// design.md "days idle": a CSV without activity columns counts a deal quiet from the last thing known
// about it. A stage_history that says when the deal entered its current stage is such a thing, as a
// CRM sync's stage history is: the deal is not idle since it was created.
const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,owner_email,stage_history'
const CREATED = '2024-01-01'
const MOVED = '2024-03-10'

describe('stalled deals from a CSV with stage_history', () => {
  it('count days idle and days in stage from the day the history says the deal entered its stage', async () => {
    const db = join(tempDir(), 'p.db')
    const csv = [
      HEADER,
      `S1,${CREATED},,r1,SaaS,EMEA,Core,Inbound,Proposal,90000,Open,a@x.com,Qualified@${CREATED};Demo@2024-02-01;Proposal@${MOVED}`,
      `S2,${CREATED},,r1,SaaS,EMEA,Core,Inbound,Proposal,90000,Open,a@x.com,`,
    ].join('\n')
    expect((await runCli('ingest', '--csv', writeTempFile('d.csv', `${csv}\n`), '--db', db)).code).toBe(0)

    const asOf = '2024-03-20'
    const alerts = JSON.parse((await runCli('alerts', '--dry-run', '--db', db, '--as-of', asOf, '--json')).stdout)
    // S1 moved 10 days ago: under the 14-day idle limit. S2 has nothing but its creation date.
    expect(alerts.alerts).toEqual([expect.objectContaining({ dealId: 'S2', daysIdle: daysBetween(CREATED, asOf) })])

    const later = '2024-03-30'
    const report = JSON.parse((await runCli('report', 'stalled', '--db', db, '--as-of', later, '--json')).stdout)
    const s1 = report.stalled.find((s: { dealId: string }) => s.dealId === 'S1')
    expect(s1).toMatchObject({ daysIdle: daysBetween(MOVED, later), daysInStage: daysBetween(MOVED, later) })
  })
})
