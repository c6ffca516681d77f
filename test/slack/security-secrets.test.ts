import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHubspotFake } from '../fakes/hubspot-fake.js'
import { startSalesforceFake } from '../fakes/salesforce-fake.js'
import { postSigned, SlackFake, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { freePort, spawnPulse } from '../helpers/pulse-process.js'
import { tempDir } from '../helpers/test-store.js'
import { AS_OF, PEOPLE, type SampleCompany, SIGNING_SECRET, sampleCompany } from './slack-test-app.js'

/** `pulse ARGS` in a child process at log level trace, with `env` on top of this one's. */
function spawnTraced(args: string[], env: Record<string, string>) {
  return spawnPulse(args, { SLACK_APP_TOKEN: '', PULSE_LOG_LEVEL: 'trace', ...env })
}

function expectNoSecrets(output: string, secrets: string[]): void {
  for (const secret of secrets) expect(output, `output contains ${secret}`).not.toContain(secret)
}

describe('secrets never reach the output, at log level trace', () => {
  let company: SampleCompany
  let db: string
  beforeAll(async () => {
    db = join(tempDir('pulse-sec-'), 'pulse.db')
    company = await sampleCompany(600, db)
    await company.store.close()
  })

  describe('pulse serve (HTTP mode) against a failing Slack', () => {
    let fake: SlackFake
    beforeAll(async () => {
      fake = await new SlackFake({ users: company.users, token: 'xoxb-9999-SECRETBOTTOKEN' }).start()
    })
    afterAll(async () => {
      await fake.stop()
    })

    it('logs failures of response URLs, uploads and Web API calls without the bot token, signing secret or response URL', async () => {
      const port = await freePort()
      const serve = spawnTraced(['serve', '--db', db], {
        SLACK_BOT_TOKEN: fake.token,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fake.apiUrl,
        PORT: String(port),
        PULSE_AS_OF: AS_OF,
        PULSE_ROSTER: company.rosterPath,
        HUBSPOT_TOKEN: 'pat-na1-SECRETHUBSPOT',
      })
      const deadResponseUrl = `http://127.0.0.1:1/respond/SECRETRESPONSEURL`
      try {
        await waitFor(() => serve.output.includes('listening on port'), 30_000, `serve to start (${serve.output})`)
        const url = `http://127.0.0.1:${port}`
        fake.failNextUpload(500)
        const before = fake.calls.length
        const res = await postSigned(
          url,
          SIGNING_SECRET,
          slashCommandBody({ userId: PEOPLE.cro, text: 'losses', responseUrl: deadResponseUrl }),
          'application/x-www-form-urlencoded',
        )
        expect(res.status).toBe(200)
        // The response URL is dead: the answer falls back to a DM (chat.postMessage).
        await waitFor(() => fake.calls.slice(before).some((c) => c.method === 'chat.postMessage'), 30_000, 'the DM fallback')
        fake.failNextHttp('users.info', 500, 10)
        await postSigned(
          url,
          SIGNING_SECRET,
          slashCommandBody({ userId: PEOPLE.otherRep, text: 'stalled', responseUrl: fake.responseUrl('SECRETRESPONSE2') }),
          'application/x-www-form-urlencoded',
        )
        await waitFor(() => fake.responses.some((r) => r.id === 'SECRETRESPONSE2'), 30_000, 'the failure answer')
        const answer = JSON.stringify(fake.responses.filter((r) => r.id === 'SECRETRESPONSE2'))
        expectNoSecrets(answer, [fake.token, SIGNING_SECRET, 'SECRETHUBSPOT'])
      } finally {
        serve.child.kill('SIGTERM')
      }
      await serve.exited
      expect(serve.output).toContain('"level":')
      expectNoSecrets(serve.output, [fake.token, 'SECRETBOTTOKEN', SIGNING_SECRET, 'SECRETHUBSPOT', 'SECRETRESPONSEURL', 'SECRETRESPONSE2'])
    }, 90_000)
  })

  it('pulse serve with a PostgreSQL URL it cannot reach never prints the password', async () => {
    const run = spawnTraced(['serve'], {
      PULSE_DATABASE_URL: 'postgres://pulse:pg-SECRET-pass@127.0.0.1:1/pulse',
      SLACK_BOT_TOKEN: 'xoxb-1-SECRETBOT',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      PORT: String(await freePort()),
    })
    const timer = setTimeout(() => run.child.kill('SIGTERM'), 40_000)
    expect(await run.exited).not.toBe(0)
    clearTimeout(timer)
    expectNoSecrets(run.output, ['pg-SECRET-pass', 'SECRETBOT', SIGNING_SECRET])
  }, 60_000)

  it('pulse sync against a Salesforce that refuses or fails never prints the client secret or access tokens', async () => {
    const sf = await startSalesforceFake({ clientId: 'client-id-1', clientSecret: 'SECRETSFCLIENT' })
    try {
      const wrong = spawnTraced(['sync', '--db', db, '--source', 'salesforce'], {
        SALESFORCE_URL: sf.url,
        SALESFORCE_CLIENT_ID: 'client-id-1',
        SALESFORCE_CLIENT_SECRET: 'SECRETSFWRONG',
      })
      expect(await wrong.exited).not.toBe(0)
      expectNoSecrets(wrong.output, ['SECRETSFWRONG'])
      sf.failNext({ path: /query/ }, { status: 400, body: [{ errorCode: 'MALFORMED_QUERY', message: 'bad query' }] }, 20)
      const failing = spawnTraced(['sync', '--db', db, '--source', 'salesforce'], {
        SALESFORCE_URL: sf.url,
        SALESFORCE_CLIENT_ID: 'client-id-1',
        SALESFORCE_CLIENT_SECRET: 'SECRETSFCLIENT',
      })
      expect(await failing.exited).not.toBe(0)
      expect(sf.issued.tokens).toBeGreaterThan(0)
      expectNoSecrets(failing.output, ['SECRETSFCLIENT', 'AQ0AQFake'])
    } finally {
      await sf.close()
    }
  }, 60_000)

  it('pulse sync against a HubSpot that refuses the token never prints it', async () => {
    const hs = await startHubspotFake({ token: 'pat-na1-RIGHTTOKEN' })
    try {
      const run = spawnTraced(['sync', '--db', db, '--source', 'hubspot'], {
        HUBSPOT_TOKEN: 'pat-na1-SECRETWRONG',
        HUBSPOT_API_URL: hs.url,
      })
      expect(await run.exited).not.toBe(0)
      expect(run.output.length).toBeGreaterThan(0)
      expectNoSecrets(run.output, ['SECRETWRONG'])
    } finally {
      await hs.close()
    }
  }, 60_000)
})
