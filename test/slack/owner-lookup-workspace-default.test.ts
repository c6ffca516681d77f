import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SlackFake } from '../fakes/slack-fake.js'
import { alertsCliSetup } from '../helpers/alerts-cli-setup.js'
import { runCli } from '../helpers/run-cli.js'

// The default, PULSE_SLACK_OTHER_WORKSPACES=log (a file of its own: the CLI reads its settings once per process).
describe('pulse alerts on Enterprise Grid, by default', () => {
  let fake: SlackFake
  let db: string
  const row = (id: string, email: string) => `${id},2024-01-02,,rep_${email[0]},SaaS,EMEA,Core,Inbound,Demo,80000,Open,2024-05-01,${email}`
  beforeAll(async () => {
    delete process.env.PULSE_SLACK_OTHER_WORKSPACES
    ;({ fake, db } = await alertsCliSetup({
      users: [
        { id: 'UHOME00001', email: 'home@acme.example', enterpriseId: 'E0001' },
        { id: 'UOTHER0001', email: 'other@acme.example', teamId: 'T0002', enterpriseId: 'E0001' },
      ],
      rows: [row('H1', 'home@acme.example'), row('O1', 'other@acme.example')],
      fake: { enterpriseId: 'E0001' },
    }))
  })
  afterAll(async () => {
    await fake.stop()
  })

  it('DMs an owner whose email finds someone of another workspace: the deal is theirs (the log says where they are)', async () => {
    const run = await runCli('alerts', '--db', db, '--as-of', '2024-07-01')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/Delivered 2 /)
    expect(
      fake
        .callsOf('conversations.open')
        .map((c) => c.params.users)
        .sort(),
    ).toEqual(['UHOME00001', 'UOTHER0001'])
    expect(fake.callsOf('chat.postMessage')).toHaveLength(2)
  })
})
