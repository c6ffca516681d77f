import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/log/create-logger.js'
import { postSigned } from '../fakes/slack-fake.js'
import { SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

// Slack sends `app_rate_limited` (no inner event) when the app's event subscriptions are limited
// (docs.slack.dev/reference/events/app_rate_limited); it disables them when more than 5% of
// deliveries in an hour get anything but HTTP 200.

describe('app_rate_limited from the Events API', () => {
  let t: SlackTestApp
  const lines: string[] = []
  beforeAll(async () => {
    const logger = createLogger('info', { write: (s: string) => lines.push(s) })
    t = await startSlackTestApp({ company: await sampleCompany(200), logger })
  })
  afterAll(async () => {
    await t.close()
  })

  it('is acknowledged with 200 at once and logged as a warning for the operator', async () => {
    const body = JSON.stringify({
      token: 'legacy-verification-token',
      type: 'app_rate_limited',
      team_id: 'T0001',
      minute_rate_limited: 1518467820,
      api_app_id: 'A0001',
    })
    const started = Date.now()
    const res = await postSigned(t.url, SIGNING_SECRET, body, 'application/json')
    expect(res.status).toBe(200)
    expect(Date.now() - started).toBeLessThan(2500) // within Slack's 3 s, with room for a busy machine
    const warning = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => /rate.?limit/i.test(l.msg))
    expect(warning?.level).toBe(40)
  })

  it('is still refused (401) without a valid signature', async () => {
    const body = JSON.stringify({ type: 'app_rate_limited', team_id: 'T0001', minute_rate_limited: 1518467820, api_app_id: 'A0001' })
    const res = await fetch(`${t.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    expect(res.status).toBe(401)
  })
})
