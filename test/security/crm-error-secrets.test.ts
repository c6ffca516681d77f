import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { createCrmHttp } from '../../src/crm/http/crm-http.js'
import { openStore } from '../../src/db/open-store.js'
import { AppError } from '../../src/errors.js'
import { createSyncJob } from '../../src/ingest/sync-crm.js'
import { runJob } from '../../src/jobs/run-job.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { startFakeServer } from '../fakes/crm-fake-server.js'
import { startHubspotFake } from '../fakes/hubspot-fake.js'
import { startSalesforceFake } from '../fakes/salesforce-fake.js'
import { postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { spawnPulse } from '../helpers/pulse-process.js'
import { runCli } from '../helpers/run-cli.js'
import { openTestStore, tempDir } from '../helpers/test-store.js'
import { virtualClock } from '../helpers/virtual-clock.js'
import { PEOPLE, SIGNING_SECRET, sampleCompany, startSlackTestApp } from '../slack/slack-test-app.js'

// Shaped like the real thing, so no pattern-based redaction catches them by their look.
const HUBSPOT_TOKEN = 'pat-na1-0a1b2c3d-4e5f-6789-abcd-ef0123456789'
const SF_SECRET = 'E1F2A3B4C5D6E7F8A9B0C1D2E3F4A5B6C7D8E9F0'
// The Salesforce fake's first minted access token.
const SF_ACCESS_TOKEN = '00DXX0000008abc!AQ0AQFake1'

function expectClean(text: string, secrets: readonly string[], where: string): void {
  for (const secret of secrets) expect(text, `${where} quotes ${secret}`).not.toContain(secret)
}

describe('a CRM answer that echoes a credential is never quoted with it', () => {
  it('takes the bearer token, the URL password and named secrets out of every failure createCrmHttp reports', async () => {
    const echo = `token ${HUBSPOT_TOKEN}, Authorization: Bearer ${HUBSPOT_TOKEN}, secret ${SF_SECRET} (${encodeURIComponent(SF_SECRET)})`
    const server = await startFakeServer(() => ({ status: 200, body: {} }))
    const warnings: string[] = []
    const logger = { warn: (o: unknown, m: string) => warnings.push(`${JSON.stringify(o)} ${m}`) } as never
    const http = createCrmHttp({
      service: 'TestCRM',
      authorize: async () => ({ authorization: `Bearer ${HUBSPOT_TOKEN}` }),
      secrets: () => [SF_SECRET],
      authError: (status, endpoint, body) => new AppError('crm_auth', `refused ${endpoint} (HTTP ${status}, ${JSON.stringify(body)})`),
      clock: virtualClock(),
      maxRetries: 1,
      logger,
    })
    const cases: Array<[string, number, unknown]> = [
      ['500 JSON', 500, { message: echo, category: 'INTERNAL' }],
      ['401 JSON', 401, { message: echo }],
      ['403 JSON array', 403, [{ errorCode: 'X', message: echo }]],
      ['400 JSON', 400, { status: 'error', message: echo }],
      ['400 text', 400, `<html>${echo}</html>`],
      ['200 not JSON', 200, `<html>${echo}</html>`],
    ]
    try {
      for (const [name, status, body] of cases) {
        server.failNext({}, { status, body }, 5)
        const error = (await http.send({ method: 'GET', url: `${server.url}/x`, endpoint: 'GET /x' }).catch((e: unknown) => e)) as AppError
        server.clearFailures()
        expect(error, name).toBeInstanceOf(AppError)
        expectClean(error.message, [HUBSPOT_TOKEN, SF_SECRET, encodeURIComponent(SF_SECRET)], `${name}: the message`)
        expectClean(JSON.stringify(error), [HUBSPOT_TOKEN, SF_SECRET], `${name}: the error's fields`)
      }
    } finally {
      await server.close()
    }
    // A URL with credentials in it (a proxy, say) is refused by fetch with the whole URL in the error.
    const error = (await http
      .send({ method: 'GET', url: `http://user:${SF_SECRET}@127.0.0.1:1/x`, endpoint: 'GET /x' })
      .catch((e: unknown) => e)) as AppError
    expect(error.code).toBe('crm_unavailable')
    expectClean(error.message, [SF_SECRET], 'a network failure')
    expectClean(warnings.join('\n'), [HUBSPOT_TOKEN, SF_SECRET], 'the retry warnings')
  })

  describe('pulse sync, pulse status and the stored sync runs', () => {
    let db: string
    beforeAll(async () => {
      db = join(tempDir('pulse-sec-crm-'), 'pulse.db')
      const store = await openStore({ path: db })
      await store.close()
    })

    async function syncAndStatus(args: string[], env: Record<string, string>, secrets: readonly string[]) {
      const run = spawnPulse(['sync', '--db', db, ...args], { SLACK_APP_TOKEN: '', PULSE_LOG_LEVEL: 'trace', ...env })
      expect(await run.exited).not.toBe(0)
      expect(run.stderr).toMatch(/refused|did not accept/)
      expectClean(run.output, secrets, 'pulse sync output')
      const status = await runCli('status', '--db', db)
      const json = await runCli('status', '--db', db, '--json')
      expect(status.stdout).toContain('failed')
      expectClean(status.stdout + status.stderr, secrets, 'pulse status')
      expectClean(json.stdout, secrets, 'pulse status --json')
      const store = await openStore({ path: db })
      try {
        const rows = await store.db.selectFrom('sync_runs').select('error_message').execute()
        expectClean(JSON.stringify(rows), secrets, 'sync_runs')
      } finally {
        await store.close()
      }
    }

    it('HubSpot answering 401 and 400 with the token in the message', async () => {
      const hs = await startHubspotFake({ token: HUBSPOT_TOKEN })
      try {
        hs.failNext(
          {},
          { status: 401, body: { status: 'error', message: `The token ${HUBSPOT_TOKEN} is invalid`, category: 'INVALID_AUTHENTICATION' } },
          5,
        )
        await syncAndStatus(['--source', 'hubspot'], { HUBSPOT_TOKEN, HUBSPOT_API_URL: hs.url }, [HUBSPOT_TOKEN])
        hs.clearFailures()
        hs.failNext(
          {},
          { status: 400, body: { status: 'error', message: `bad request from ${HUBSPOT_TOKEN}`, category: 'VALIDATION_ERROR' } },
          5,
        )
        await syncAndStatus(['--source', 'hubspot'], { HUBSPOT_TOKEN, HUBSPOT_API_URL: hs.url }, [HUBSPOT_TOKEN])
      } finally {
        await hs.close()
      }
    }, 60_000)

    it('Salesforce echoing the client secret (token request) and the access token (query)', async () => {
      const sf = await startSalesforceFake({ clientId: 'client-id-1', clientSecret: SF_SECRET })
      const env = { SALESFORCE_URL: sf.url, SALESFORCE_CLIENT_ID: 'client-id-1', SALESFORCE_CLIENT_SECRET: SF_SECRET }
      try {
        sf.failNext(
          { path: /token/ },
          { status: 400, body: { error: 'invalid_client', error_description: `secret ${SF_SECRET} is wrong` } },
          5,
        )
        await syncAndStatus(['--source', 'salesforce'], env, [SF_SECRET])
        sf.clearFailures()
        sf.failNext(
          { path: /query/ },
          { status: 403, body: [{ errorCode: 'API_DISABLED_FOR_ORG', message: `session ${SF_ACCESS_TOKEN}, secret ${SF_SECRET}` }] },
          5,
        )
        await syncAndStatus(['--source', 'salesforce'], env, [SF_SECRET, SF_ACCESS_TOKEN])
      } finally {
        await sf.close()
      }
    }, 60_000)
  })

  describe('what Slack users are told', () => {
    const echo = { status: 'error', message: `The token ${HUBSPOT_TOKEN} is invalid`, category: 'INVALID_AUTHENTICATION' }

    it("answers an admin's /pulse sync without the token HubSpot echoed", async () => {
      const hs = await startHubspotFake({ token: HUBSPOT_TOKEN })
      hs.failNext({}, { status: 401, body: echo }, 5)
      const t = await startSlackTestApp({ company: await sampleCompany(300), env: { HUBSPOT_TOKEN, HUBSPOT_API_URL: hs.url } })
      try {
        const responseUrl = t.fake.responseUrl()
        const id = responseUrl.split('/').pop() as string
        const body = slashCommandBody({ userId: PEOPLE.admin, text: 'sync', responseUrl })
        expect((await postSigned(t.url, SIGNING_SECRET, body, 'application/x-www-form-urlencoded')).status).toBe(200)
        await waitFor(() => t.fake.responses.some((r) => r.id === id), 20_000, 'the answer')
        const answer = JSON.stringify(t.fake.responses.filter((r) => r.id === id))
        expect(answer).toContain('HUBSPOT_TOKEN')
        expectClean(answer + JSON.stringify(t.fake.calls.map((c) => c.params)), [HUBSPOT_TOKEN], 'the Slack answer')
      } finally {
        await t.close()
        await hs.close()
      }
    }, 60_000)

    it('alerts the admins of a failed scheduled sync, and records it, without the token', async () => {
      const hs = await startHubspotFake({ token: HUBSPOT_TOKEN })
      hs.failNext({}, { status: 401, body: echo }, 5)
      const store = await openTestStore()
      const alerts: string[] = []
      try {
        const config = loadConfig({ HUBSPOT_TOKEN, HUBSPOT_API_URL: hs.url })
        const logger = silentLogger()
        const outcome = await runJob(
          { store, logger, instanceId: 'test', notifyAdmins: async (text) => void alerts.push(text) },
          'sync',
          createSyncJob({ store, config, logger }),
        )
        expect(outcome.status).toBe('failed')
        expect(alerts.join('\n')).toContain('HUBSPOT_TOKEN')
        const runs = await store.db.selectFrom('job_runs').selectAll().execute()
        expectClean(alerts.join('\n') + JSON.stringify(outcome) + JSON.stringify(runs), [HUBSPOT_TOKEN], 'the admin alert and job run')
      } finally {
        await store.close()
        await hs.close()
      }
    })
  })
})
