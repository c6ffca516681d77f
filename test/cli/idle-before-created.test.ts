import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

const AS_OF = '2024-07-20'

// D1's last activity (carried over from another system) predates the deal: created 49 days before "as of".
const CSV = [
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,owner_email',
  'D1,2024-06-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,80000,Open,2023-01-15,ana@acme.example',
  'D2,2024-06-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,80000,Open,2024-06-20,ana@acme.example',
  'D3,2024-07-10,,rep_1,SaaS,EMEA,Core,Inbound,Demo,80000,Open,2023-01-15,ana@acme.example',
].join('\n')

describe('days idle of a deal whose last activity is dated before it was created', () => {
  let db: string
  let csv: string
  beforeAll(async () => {
    const dir = tempDir('pulse-idle-created-')
    csv = join(dir, 'deals.csv')
    writeFileSync(csv, CSV)
    db = join(dir, 'pulse.db')
    const run = await runCli('ingest', '--csv', csv, '--db', db)
    expect(run.code).toBe(0)
    // The import says which rows, and how their days idle are counted.
    expect(run.stdout).toMatch(
      /^2 rows have a last_activity_date before their created_date .*: their days idle count from the created date/m,
    )
  })

  it('are counted in the import summary', async () => {
    const out = JSON.parse((await runCli('ingest', '--csv', csv, '--db', join(tempDir('pulse-idle-created-'), 'p.db'), '--json')).stdout)
    expect(out.activityBeforeCreated).toBe(2)
  })

  it('are counted from its creation in the stalled report, never more than its age', async () => {
    const out = JSON.parse((await runCli('report', 'stalled', '--db', db, '--as-of', AS_OF, '--json')).stdout)
    const byId = new Map(out.stalled.map((d: { dealId: string }) => [d.dealId, d]))
    expect(byId.get('D1')).toMatchObject({ daysIdle: 49, daysInStage: 49 })
    expect(byId.get('D2')).toMatchObject({ daysIdle: 30 })
    // Created 10 days before "as of": not idle long enough to be stalled, however old the carried-over date.
    expect(byId.has('D3')).toBe(false)
    expect(out.stale.count).toBe(1)
  })

  it('and in the DMs pulse alerts would send', async () => {
    const out = JSON.parse((await runCli('alerts', '--dry-run', '--db', db, '--as-of', AS_OF, '--json')).stdout)
    expect(out.alerts.map((a: { dealId: string; daysIdle: number }) => [a.dealId, a.daysIdle]).sort()).toEqual([
      ['D1', 49],
      ['D2', 30],
    ])
  })
})
