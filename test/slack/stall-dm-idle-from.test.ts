import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SlackFake } from '../fakes/slack-fake.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const AS_OF = '2024-07-01'

// Three stalled deals: one with a recorded activity, one with only an update date, one with neither
// (contract.md: an absent last_activity_date means unknown).
const CSV = [
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,updated_date,owner_email',
  'ACT,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,80000,Open,2024-06-01,2024-06-01,ana@acme.example',
  'UPD,2024-01-03,,rep_1,SaaS,EMEA,Core,Inbound,Demo,70000,Open,,2024-06-06,ana@acme.example',
  'NONE,2024-05-01,,rep_1,SaaS,EMEA,Core,Inbound,Proposal,60000,Open,,,ana@acme.example',
].join('\n')

describe('stalled deals without a recorded activity date', () => {
  let fake: SlackFake
  let db: string
  beforeAll(async () => {
    // The CLI reads its environment once per test process: Slack's settings come first.
    fake = await new SlackFake({ users: [{ id: 'U0ANA00001', email: 'ana@acme.example' }] }).start()
    process.env.SLACK_BOT_TOKEN = fake.token
    process.env.SLACK_API_URL = fake.apiUrl
    process.env.PULSE_LOG_LEVEL = 'silent'
    db = join(tempDir('pulse-idle-from-'), 'p.db')
    expect((await runCli('ingest', '--csv', writeTempFile('d.csv', CSV), '--db', db)).code).toBe(0)
  })
  afterAll(async () => {
    await fake.stop()
  })

  it('report stalled says which date each deal idles from, and that the quiet spell of undated deals is not recorded activity', async () => {
    const run = await runCli('report', 'stalled', '--json', '--db', db, '--as-of', AS_OF)
    expect(run.code, run.stderr).toBe(0)
    const report = JSON.parse(run.stdout)
    expect(report.stalled.map((d: { dealId: string; daysIdle: number; idleFrom: string }) => [d.dealId, d.daysIdle, d.idleFrom])).toEqual([
      ['ACT', 30, 'activity'],
      ['UPD', 25, 'update'],
      ['NONE', 61, 'created'],
    ])
    expect(report.stalledWithoutActivityDate).toBe(2)
    const stalled = report.findings.find((f: { key: string }) => f.key === 'stalled_deals')
    expect(stalled.text).toBe(
      '3 open deals worth $210k are stalled ($50k or more, no activity for 14+ days). 2 of them have no activity date on record, so their days idle run from the last record update, else the day they entered their stage or were created.',
    )
    // NONE has neither an update nor an activity date: its 61 days since creation are said to be just that.
    expect(report.stale).toMatchObject({ count: 1, amount: 60000, withoutTouchDate: 1 })
    const stale = report.findings.find((f: { key: string }) => f.key === 'stale_pipeline')
    expect(stale.text).toContain(
      'It has no update or activity date on record, so its quiet spell runs from the day it entered its stage or was created.',
    )
  })

  it('alerts --dry-run lists the date each DM idles from', async () => {
    const json = JSON.parse((await runCli('alerts', '--dry-run', '--json', '--db', db, '--as-of', AS_OF)).stdout)
    expect(json.alerts.map((a: { dealId: string; idleFrom: string }) => [a.dealId, a.idleFrom])).toEqual([
      ['ACT', 'activity'],
      ['UPD', 'update'],
      ['NONE', 'created'],
    ])
    const text = await runCli('alerts', '--dry-run', '--db', db, '--as-of', AS_OF)
    expect(text.stdout).toContain('(no activity recorded: since it was created)')
    expect(text.stdout).toContain('(no activity recorded: since its last update)')
  })

  it('the DM states no quiet spell as activity the deal has no record of', async () => {
    const run = await runCli('alerts', '--db', db, '--as-of', AS_OF)
    expect(run.code, run.stderr).toBe(0)
    const dms = fake.callsOf('chat.postMessage').map((c) => JSON.stringify(c.params.blocks))
    expect(dms).toHaveLength(3)
    const of = (id: string) => dms.find((d) => d.includes(`Deal ${id}.`)) ?? ''
    expect(of('ACT')).toContain('has had no activity for *30 days*')
    expect(of('UPD')).toContain('has no activity recorded; its record was last updated *25 days* ago')
    expect(of('NONE')).toContain('has no activity recorded; it was created *61 days* ago')
    expect(of('NONE')).not.toContain('has had no activity for')
  })
})
