import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,owner_email'

describe('pulse alerts --dry-run with a broken roster', () => {
  const saved = process.env.PULSE_ROSTER
  afterEach(() => {
    if (saved === undefined) delete process.env.PULSE_ROSTER
    else process.env.PULSE_ROSTER = saved
  })

  it('stops naming PULSE_ROSTER, as the real run would, instead of a dry run that passes', async () => {
    // Set before the first command reads the configuration, which is read once per process.
    process.env.PULSE_ROSTER = writeTempFile('roster.yml', 'executives: [cro@acme.example\nmanagers: []\n')
    const db = join(tempDir(), 'p.db')
    const csv = `${HEADER}\nS1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,80000,Open,2024-05-01,ana@acme.example\n`
    expect((await runCli('ingest', '--csv', writeTempFile('d.csv', csv), '--db', db)).code).toBe(0)
    const run = await runCli('alerts', '--dry-run', '--json', '--db', db, '--as-of', '2024-07-01')
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(/^PULSE_ROSTER is not valid YAML \(.*\)\.\n$/)
  })
})
