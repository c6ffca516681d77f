import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/db/open-store.js'
import { enqueueOutboxMessage } from '../../src/db/slack-outbox.js'
import type { SlackFake } from '../fakes/slack-fake.js'
import { alertsCliSetup } from '../helpers/alerts-cli-setup.js'
import { runCli } from '../helpers/run-cli.js'

// Ana is in Slack; the CRM spells Gus's email in a way Slack does not know, and Noa's deal has no owner email.
const ROWS = [
  'S1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,80000,Open,2024-05-01,ana@acme.example',
  'S2,2024-01-02,,rep_2,SaaS,EMEA,Core,Inbound,Demo,70000,Open,2024-05-01,gus@acme.example',
  'S3,2024-01-02,,rep_2,SaaS,EMEA,Core,Inbound,Proposal,60000,Open,2024-05-02,gus@acme.example',
  'S4,2024-01-02,,rep_3,SaaS,EMEA,Core,Inbound,Demo,90000,Open,2024-05-01,',
]

describe('pulse alerts with a deal owner Slack does not know', () => {
  let fake: SlackFake
  let db: string
  beforeAll(async () => {
    ;({ fake, db } = await alertsCliSetup({
      users: [{ id: 'UANA000001', email: 'ana@acme.example' }],
      rows: ROWS,
      // A manager whose roster email Slack does not know either.
      rosterYaml: 'managers:\n  - email: lead@acme.example\n    team: [gus@acme.example]\n',
    }))
  })
  afterAll(async () => {
    await fake.stop()
  })

  it('names on stderr the owner email Slack has no user for and the deals whose DMs were skipped, with what to do; exit 0', async () => {
    const run = await runCli('alerts', '--db', db, '--as-of', '2024-07-01')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/Delivered 1 .*skipped 3 \(1 with no owner email, 2 to an email Slack has no user for\), /)
    expect(fake.callsOf('chat.postMessage').map((c) => c.params.channel)).toEqual(['DANA000001'])
    const notes = run.stderr.split('\n').filter((l) => l.includes('gus@acme.example'))
    expect(notes).toHaveLength(1)
    expect(notes[0]).toMatch(/Slack has no active user with the email gus@acme\.example/)
    expect(notes[0]).toMatch(/2 stalled-deal DMs \(deals S2, S3\) were not sent/)
    expect(notes[0]).toMatch(/check that owner's email in the CRM/)
    // Ana got her DM; the deal without an owner email is explained by the plan's own note, not as someone Slack does not know.
    expect(run.stderr).not.toContain('ana@acme.example')
    expect(run.stderr).not.toMatch(/S4/)
  })

  it('says nothing more of them on a second run the same day, which sends nothing', async () => {
    const run = await runCli('alerts', '--db', db, '--as-of', '2024-07-01')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('No new stalled-deal DMs')
    expect(run.stderr).not.toContain('gus@acme.example')
    expect(fake.callsOf('chat.postMessage')).toHaveLength(1)
  })

  it("names a manager's digest skipped for the same reason, pointing to the roster rather than the CRM", async () => {
    const store = await openStore({ path: db })
    await enqueueOutboxMessage(store.db, {
      dedupeKey: 'digest:lead@acme.example:2024-07-01',
      kind: 'digest',
      dealId: null,
      recipientEmail: 'lead@acme.example',
      channelId: null,
      payload: { text: 'Your team has 2 stalled deals worth $130k.', blocks: [] },
      now: new Date(),
    })
    await store.close()
    const run = await runCli('alerts', '--db', db, '--as-of', '2024-07-01')
    expect(run.code).toBe(0)
    expect(run.stderr).toMatch(
      /^Slack has no active user with the email lead@acme\.example, so a manager's digest was not sent: check the email in the roster \(PULSE_ROSTER\), or add them to Slack\./m,
    )
    expect(run.stderr).not.toMatch(/lead@acme\.example.*CRM/)
  })
  it("counts a manager's digest whose day passed before it went out as such, not as an owner missing from Slack", async () => {
    const store = await openStore({ path: db })
    await enqueueOutboxMessage(store.db, {
      dedupeKey: 'digest:lead@acme.example:2024-06-28',
      kind: 'digest',
      dealId: null,
      recipientEmail: 'lead@acme.example',
      channelId: null,
      payload: { text: 'Your team has 2 stalled deals worth $130k.', blocks: [] },
      now: new Date(),
    })
    await store.close()
    const run = await runCli('alerts', '--db', db, '--as-of', '2024-07-01')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/skipped 1 \(1 manager's digest out of date or for a changed team\), /)
    expect(run.stderr).not.toContain('lead@acme.example')
    const json = JSON.parse((await runCli('alerts', '--db', db, '--as-of', '2024-07-01', '--json')).stdout)
    expect(json.delivery.skippedFor).toEqual({ noEmail: 0, notInSlack: 0, stallEnded: 0, digestReplaced: 0 })
  })
})
