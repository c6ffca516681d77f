import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { openStore } from '../../src/db/open-store.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

// README, PULSE_TZ: "today" is the date in PULSE_TZ. A re-import that shows a deal in a new stage,
// with no date for the change in the row, records the change on that day, the day the reports
// count days in stage to, not on the UTC date.
const HEADER = 'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'
const FIRST = `${HEADER}\nU1,2024-01-01,,r1,SaaS,EMEA,Core,Inbound,Qualified,100,Open\n`
const SECOND = `${HEADER}\nU1,2024-01-01,,r1,SaaS,EMEA,Core,Inbound,Proposal,100,Open\n`

describe('contract: PULSE_TZ and pulse ingest', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
    vi.useRealTimers()
  })

  it('records a stage change seen on re-import on the day it is in PULSE_TZ', async () => {
    // 12:00 UTC on February 15 is already February 16 in Kiritimati (UTC+14).
    const now = new Date('2024-02-15T12:00:00Z')
    vi.useFakeTimers({ toFake: ['Date'], now })
    vi.stubEnv('PULSE_TZ', 'Pacific/Kiritimati')
    const today = now.toLocaleDateString('en-CA', { timeZone: 'Pacific/Kiritimati' })
    const db = join(tempDir(), 'p.db')
    expect((await runCli('ingest', '--csv', writeTempFile('a.csv', FIRST), '--db', db)).code).toBe(0)
    expect((await runCli('ingest', '--csv', writeTempFile('b.csv', SECOND), '--db', db)).code).toBe(0)
    const store = await openStore({ path: db })
    try {
      const stays = await store.db
        .selectFrom('stage_history')
        .select(['stage', 'entered_at', 'left_at'])
        .where('deal_id', '=', 'U1')
        .orderBy('entered_at')
        .execute()
      expect(stays).toEqual([
        { stage: 'Qualified', entered_at: '2024-01-01', left_at: today },
        { stage: 'Proposal', entered_at: today, left_at: null },
      ])
    } finally {
      await store.close()
    }
    const report = JSON.parse((await runCli('report', 'stalled', '--db', db, '--json')).stdout)
    expect(report.asOf).toBe(today)
  })
})
