import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { EMPTY_ROSTER } from '../../src/slack/access/load-roster.js'
import { createPulseServices } from '../../src/slack/app/create-pulse-services.js'
import { createSlackApp, createSlackContext } from '../../src/slack/app/create-slack-app.js'
import { SlackFake } from '../fakes/slack-fake.js'
import { freePort } from '../helpers/pulse-process.js'
import { openTestStore } from '../helpers/test-store.js'

describe('createSlackApp', () => {
  it('chooses Socket Mode when SLACK_APP_TOKEN is set, HTTP mode otherwise', async () => {
    const store = await openTestStore()
    const logger = silentLogger()
    const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_API_URL: 'http://127.0.0.1:9/api' }
    const make = (env: Record<string, string>) => {
      const config = loadConfig({ ...base, ...env })
      return createSlackApp({
        store,
        config,
        logger,
        roster: EMPTY_ROSTER,
        services: createPulseServices({ store, config, logger }),
        botIds: { botId: 'B1', botUserId: 'U1', teamId: 'T1' },
      })
    }
    expect(make({ SLACK_APP_TOKEN: 'xapp-1' }).mode).toBe('socket')
    expect(make({ SLACK_SIGNING_SECRET: 's' }).mode).toBe('http')
    await store.close()
  })

  it('neither listens nor connects when stopped while start still checks the token, so a stopping process can end', async () => {
    const store = await openTestStore()
    const fake = await new SlackFake().start()
    const logger = silentLogger()
    const port = await freePort()
    const config = loadConfig({ SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: 's', SLACK_API_URL: fake.apiUrl, PORT: String(port) })
    const slack = createSlackApp({ store, config, logger, roster: EMPTY_ROSTER, services: createPulseServices({ store, config, logger }) })
    try {
      fake.delayNext('auth.test', 500)
      const starting = slack.start().then(
        () => 'started',
        (error: Error) => error.message,
      )
      await new Promise((resolve) => setTimeout(resolve, 100))
      await slack.stop().catch(() => undefined)
      expect(await starting).toBe('The Slack app was stopped before it had started.')
      // Nothing listens on the port: the start that was under way did not open it after the stop.
      const probe = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST' }).then(
        (r) => r.status,
        () => 'refused',
      )
      expect(probe).toBe('refused')
    } finally {
      await fake.stop()
      await store.close()
    }
  })

  it('names the missing variables instead of starting half-configured', async () => {
    const store = await openTestStore()
    const logger = silentLogger()
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' })
    expect(() =>
      createSlackApp({ store, config, logger, roster: EMPTY_ROSTER, services: createPulseServices({ store, config, logger }) }),
    ).toThrow(/SLACK_SIGNING_SECRET/)
    const none = loadConfig({})
    expect(() =>
      createSlackApp({ store, config: none, logger, roster: EMPTY_ROSTER, services: createPulseServices({ store, config: none, logger }) }),
    ).toThrow(/SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET/)
    await store.close()
  })

  it('reports as of today in PULSE_TZ, the day the team is in when a morning job runs', async () => {
    const store = await openTestStore()
    const logger = silentLogger()
    // A zone whose date differs from UTC's right now: +14 h from 10:00 UTC, -11 h before.
    const now = new Date()
    const ahead = now.getUTCHours() >= 10
    const zone = ahead ? 'Pacific/Kiritimati' : 'Pacific/Pago_Pago'
    const expected = new Date(now.getTime() + (ahead ? 14 : -11) * 3_600_000).toISOString().slice(0, 10)
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_API_URL: 'http://127.0.0.1:9/api', PULSE_TZ: zone })
    const ctx = createSlackContext({
      store,
      config,
      logger,
      roster: EMPTY_ROSTER,
      services: createPulseServices({ store, config, logger }),
    })
    expect(ctx.clock.asOf()).toBe(expected)
    expect(ctx.clock.asOf()).not.toBe(now.toISOString().slice(0, 10))
    await store.close()
  })
})
