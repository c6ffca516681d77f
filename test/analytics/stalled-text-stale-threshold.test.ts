import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,updated_date'
// As of 2024-04-30: S30 was last touched exactly 30 days before, S31 31 days before.
const ROWS = [
  'W1,2024-01-03,2024-02-10,rep_1,SaaS,EMEA,Core,Inbound,Closed,12000,Won,2024-02-10,2024-02-10',
  'S30,2024-02-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,9000,Open,2024-03-31,2024-03-31',
  'S31,2024-02-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,8000,Open,2024-03-30,2024-03-30',
]

afterAll(() => {
  process.exitCode = 0
})

describe('pulse report stalled text: the stale threshold', () => {
  it('says "more than N days", as a deal idle exactly PULSE_STALE_DAYS is not counted stale', async () => {
    const db = join(tempDir(), 'pulse.db')
    const ingest = await runCli('ingest', '--csv', writeTempFile('stale.csv', `${[HEADER, ...ROWS].join('\n')}\n`), '--db', db)
    expect(ingest.code, ingest.stderr).toBe(0)
    const json = await runCli('report', 'stalled', '--db', db, '--as-of', '2024-04-30', '--json')
    expect(JSON.parse(json.stdout).stale.count).toBe(1)
    const text = await runCli('report', 'stalled', '--db', db, '--as-of', '2024-04-30')
    expect(text.stdout).toContain('Stale open deals (no update or activity for more than 30 days): 1 of 2 open deals')
    expect(text.stdout).not.toContain('30+ days')
    // One zombie deal: its finding (also on the Home tab) speaks of it in the singular.
    expect(
      JSON.parse(json.stdout)
        .findings.map((f: { text: string }) => f.text)
        .join(' '),
    ).toMatch(/Zombie pipeline: 1 of .* has had no update/)
  })

  it('writes one open deal in the singular, and a scope and an amount without two brackets in a row', async () => {
    const db = join(tempDir(), 'pulse.db')
    const ingest = await runCli('ingest', '--csv', writeTempFile('one.csv', `${[HEADER, ROWS[0], ROWS[2]].join('\n')}\n`), '--db', db)
    expect(ingest.code, ingest.stderr).toBe(0)
    const text = await runCli('report', 'stalled', '--db', db, '--as-of', '2024-04-30', '--where', 'sales_rep_id=rep_1')
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain('1 of 1 open deal,')
    expect(text.stdout).toMatch(/Zombie pipeline: 1 of 1 open deal \(rep_1\), worth \$8k \(100% of open pipeline\), has had no update/)
    expect(text.stdout).not.toMatch(/\) \(/)
  })
})
