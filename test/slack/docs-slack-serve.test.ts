import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, spawnPulse } from '../helpers/pulse-process.js'
import { tempDir } from '../helpers/test-store.js'
import { DocsSlackFake, docsSignedHeaders } from './docs-slack-fake.js'
import { AS_OF, PEOPLE, type SampleCompany, SIGNING_SECRET, sampleCompany } from './slack-test-app.js'

// `pulse serve` as a separate process, driven against the fake written from Slack's docs.

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('pulse serve against the documented Slack wire formats', () => {
  let fake: DocsSlackFake
  let company: SampleCompany
  let db: string
  beforeAll(async () => {
    db = join(tempDir('pulse-docs-serve-'), 'pulse.db')
    company = await sampleCompany(1200, db)
    await company.store.close()
    fake = await new DocsSlackFake(company.users.flatMap((u) => (u.email ? [{ id: u.id, email: u.email }] : []))).start()
  }, 60_000)
  afterAll(async () => {
    await fake.stop()
  })

  it('answers /pulse winrate and app_home_opened with calls Slack would take, then stops on SIGTERM', async () => {
    const port = await freePort()
    const serve = spawnPulse(['serve', '--db', db], {
      SLACK_APP_TOKEN: '',
      PULSE_LOG_LEVEL: 'warn',
      SLACK_BOT_TOKEN: fake.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: String(port),
      PULSE_AS_OF: AS_OF,
      PULSE_ROSTER: company.rosterPath,
    })
    const { child, exited } = serve
    const post = (body: string, type: string) =>
      fetch(`http://127.0.0.1:${port}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': type, ...docsSignedHeaders(SIGNING_SECRET, body) },
        body,
      })
    try {
      await until(`serve to start (${serve.stderr})`, () => serve.stderr.includes('listening on port'), 30_000)
      const responseUrl = fake.responseUrl()
      const command = new URLSearchParams({
        team_id: 'T0DOCS0001',
        channel_id: 'C0GENERAL1',
        user_id: PEOPLE.cro,
        command: '/pulse',
        text: 'winrate',
        api_app_id: 'A0PULSE001',
        response_url: responseUrl,
        trigger_id: '1.2.3',
      }).toString()
      expect((await post(command, 'application/x-www-form-urlencoded')).status).toBe(200)
      await until('the answer', () => fake.responses.length > 0, 30_000)
      expect(fake.uploads).toHaveLength(1)
      const event = JSON.stringify({
        team_id: 'T0DOCS0001',
        api_app_id: 'A0PULSE001',
        type: 'event_callback',
        event_id: 'Ev0SERVE001',
        event_time: Math.floor(Date.now() / 1000),
        event: { type: 'app_home_opened', user: PEOPLE.manager, channel: 'D0PULSEDM1', tab: 'home', event_ts: '1721462400.000100' },
      })
      expect((await post(event, 'application/json')).status).toBe(200)
      await until('views.publish', () => fake.called('views.publish').length > 0, 30_000)
      expect(fake.violations).toEqual([])
      expect(serve.stderr).not.toContain(fake.token)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
  }, 90_000)
})
