import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

// The CLI reads its configuration once per process: PULSE_AS_OF is set here before any command runs.

const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,owner_email'

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('pulse alerts and report stalled as of today, with an activity dated after it', () => {
  it('does not advise running it as of today when it is as of today: an activity dated later is a planned one', async () => {
    vi.stubEnv('PULSE_AS_OF', '2025-05-20')
    const db = join(tempDir(), 'p.db')
    const csv = [
      `${HEADER},currency`,
      'P1,2025-01-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,80000,Open,2025-06-20,ana@acme.example,EUR',
      'P2,2025-01-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,90000,Open,2025-05-01,ana@acme.example,',
    ].join('\n')
    expect((await runCli('ingest', '--csv', writeTempFile('p.csv', csv), '--db', db)).code).toBe(0)
    const advice =
      'Its activity date is after today: a planned activity, not one done (export the last call, email or meeting done as last_activity_date).'
    const run = await runCli('alerts', '--dry-run', '--db', db)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain(`1 open deal, worth 80k EUR, had no recorded activity by 2025-05-20 and is left out`)
    expect(run.stderr).toContain(advice)
    expect(run.stderr).not.toContain('Run it as of today')
    const report = await runCli('report', 'stalled', '--db', db)
    expect(report.stdout).toContain('1 open deal, worth 80k EUR, had no recorded activity by 2025-05-20; left out')
    expect(report.stdout).toContain(advice)
    expect(report.stdout).not.toContain('Run it as of today')
    // As of a past day the advice stays: run it as of today.
    const past = await runCli('report', 'stalled', '--db', db, '--as-of', '2025-05-10')
    expect(past.stdout).toContain('Run it as of today for the deals stalled now.')
  })
})
