import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,updated_date,owner_email,stage_entered_date'
// As of 2026-07-01, D1 has been idle 1,204 days and in Negotiation 2,007; D2 idle 20 days.
const CSV = [
  HEADER,
  'D1,2020-01-01,,R1,Tech,EMEA,Core,Inbound,Negotiation,80000,Open,2023-03-15,2023-03-15,ana@acme.example,2021-01-01',
  'D2,2026-01-01,,R2,Tech,EMEA,Core,Inbound,Demo,90000,Open,2026-06-11,2026-06-11,ben@acme.example,2026-02-01',
].join('\n')
const AS_OF = '2026-07-01'

describe('day counts in the terminal are grouped like every other count', () => {
  it('report stalled and alerts --dry-run write 1,204 days; --json keeps the numbers', async () => {
    const db = join(tempDir(), 'p.db')
    expect((await runCli('ingest', '--csv', writeTempFile('d.csv', CSV), '--db', db)).code).toBe(0)

    const text = await runCli('report', 'stalled', '--db', db, '--as-of', AS_OF)
    expect(text.code, text.stderr).toBe(0)
    const row = text.stdout.split('\n').find((l) => l.startsWith('D1 '))
    expect(row?.trim().split(/\s{2,}/)).toEqual(['D1', 'ana@acme.example', '$80k', 'Negotiation', '1,204', '2,007', '-'])

    const json = JSON.parse((await runCli('report', 'stalled', '--json', '--db', db, '--as-of', AS_OF)).stdout)
    expect(json.stalled.find((d: { dealId: string }) => d.dealId === 'D1')).toMatchObject({ daysIdle: 1204, daysInStage: 2007 })

    const alerts = await runCli('alerts', '--dry-run', '--db', db, '--as-of', AS_OF)
    expect(alerts.code, alerts.stderr).toBe(0)
    const lines = alerts.stdout.split('\n').filter((l) => / idle /.test(l))
    expect(lines).toHaveLength(2)
    expect(lines.find((l) => l.includes('D1'))).toMatch(/ idle 1,204 d {2}ana@acme\.example$/)
    // The column stays aligned when one count is wider than the others.
    expect(new Set(lines.map((l) => l.indexOf(' d  ')))).toHaveProperty('size', 1)
    const dry = JSON.parse((await runCli('alerts', '--dry-run', '--json', '--db', db, '--as-of', AS_OF)).stdout)
    expect(dry.alerts.map((a: { daysIdle: number }) => a.daysIdle).sort((a: number, b: number) => a - b)).toEqual([20, 1204])
  })
})
