import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

// contract.md, JSON shapes: `report stalled` --json is `{ asOf, stalled: [...], stale }`, the
// stalled open deals, as `alerts --dry-run` --json lists them all. The text table's default
// length (200 deals) is for reading; --json lists every stalled deal unless --limit is given.
const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date'
const STALLED = 230

function csv(): string {
  const rows = [HEADER]
  for (let i = 1; i <= STALLED; i++) {
    rows.push(`S${i},2024-01-02,,rep_${i % 7},SaaS,EMEA,Core,Inbound,Demo,${50_000 + i * 10},Open,2024-05-01`)
  }
  rows.push('W1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Closed,100,Won,2024-02-01')
  return `${rows.join('\n')}\n`
}

describe('contract: report stalled --json', () => {
  it('lists every stalled deal, as alerts --dry-run does; --limit still shortens it', async () => {
    const db = join(tempDir(), 'p.db')
    expect((await runCli('ingest', '--csv', writeTempFile('d.csv', csv()), '--db', db)).code).toBe(0)
    const asOf = ['--db', db, '--as-of', '2024-06-30', '--json']

    const report = JSON.parse((await runCli('report', 'stalled', ...asOf)).stdout)
    expect(report.stalled).toHaveLength(STALLED)
    expect(report.stalled[0]).toMatchObject({ dealId: `S${STALLED}`, amount: 50_000 + STALLED * 10, stage: 'Demo', daysIdle: 60 })

    const alerts = JSON.parse((await runCli('alerts', '--dry-run', ...asOf)).stdout)
    expect(alerts.alerts.map((a: { dealId: string }) => a.dealId).sort()).toEqual(
      report.stalled.map((s: { dealId: string }) => s.dealId).sort(),
    )

    const limited = JSON.parse((await runCli('report', 'stalled', ...asOf, '--limit', '5')).stdout)
    expect(limited.stalled).toHaveLength(5)

    const text = (await runCli('report', 'stalled', '--db', db, '--as-of', '2024-06-30')).stdout
    expect(text).toContain(`S${STALLED}`)
  })
})
