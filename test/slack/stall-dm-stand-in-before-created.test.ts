import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SlackFake } from '../fakes/slack-fake.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const AS_OF = '2024-07-01'

// No activity recorded; the last update of OLDUPD is dated before the
// deal was created (carried over from another system): the days idle run from the creation.
const CSV = [
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,updated_date,stage_entered_date,owner_email',
  'OLDUPD,2024-05-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,70000,Open,,2023-02-01,,ana@acme.example',
  'UPD,2024-01-03,,rep_1,SaaS,EMEA,Core,Inbound,Demo,60000,Open,,2024-06-06,,ana@acme.example',
].join('\n')

describe('a stalled deal whose stand-in date is before its creation', () => {
  let fake: SlackFake
  let db: string
  beforeAll(async () => {
    fake = await new SlackFake({ users: [{ id: 'U0ANA00001', email: 'ana@acme.example' }] }).start()
    process.env.SLACK_BOT_TOKEN = fake.token
    process.env.SLACK_API_URL = fake.apiUrl
    process.env.PULSE_LOG_LEVEL = 'silent'
    db = join(tempDir('pulse-stand-in-created-'), 'p.db')
    expect((await runCli('ingest', '--csv', writeTempFile('d.csv', CSV), '--db', db)).code).toBe(0)
  })
  afterAll(async () => {
    await fake.stop()
  })

  it('is said to idle from its creation in report stalled and alerts --dry-run', async () => {
    const report = JSON.parse((await runCli('report', 'stalled', '--json', '--db', db, '--as-of', AS_OF)).stdout)
    expect(report.stalled.map((d: { dealId: string; daysIdle: number; idleFrom: string }) => [d.dealId, d.daysIdle, d.idleFrom])).toEqual([
      ['OLDUPD', 60, 'created'],
      ['UPD', 25, 'update'],
    ])
    const text = (await runCli('alerts', '--dry-run', '--db', db, '--as-of', AS_OF)).stdout
    expect(text).toMatch(/OLDUPD .* idle +60 d .*\(no activity recorded: since it was created\)/)
    expect(text).toMatch(/\bUPD .* idle +25 d .*\(no activity recorded: since its last update\)/)
  })

  it('is DMed as created that many days ago, not last updated then', async () => {
    const run = await runCli('alerts', '--db', db, '--as-of', AS_OF)
    expect(run.code, run.stderr).toBe(0)
    const dms = fake.callsOf('chat.postMessage').map((c) => JSON.stringify(c.params.blocks))
    const of = (id: string) => dms.find((d) => d.includes(`Deal ${id}.`)) ?? ''
    expect(of('OLDUPD')).toContain('has no activity recorded; it was created *60 days* ago')
    expect(of('OLDUPD')).not.toContain('last updated')
    expect(of('UPD')).toContain('has no activity recorded; its record was last updated *25 days* ago')
  })
})
