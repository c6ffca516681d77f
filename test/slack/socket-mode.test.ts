import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { clearSlackUserMemory } from '../../src/slack/access/slack-user-directory.js'
import { createPulseServices } from '../../src/slack/app/create-pulse-services.js'
import { createSlackApp } from '../../src/slack/app/create-slack-app.js'
import { SlackFake, waitFor } from '../fakes/slack-fake.js'
import { freePort } from '../helpers/pulse-process.js'
import { AS_OF, PEOPLE, sampleCompany } from './slack-test-app.js'

describe('Socket Mode (SLACK_APP_TOKEN, no public URL)', () => {
  it('connects through apps.connections.open, acks a /pulse envelope over the socket, and answers with the chart', async () => {
    clearSlackUserMemory()
    const company = await sampleCompany()
    const fake = await new SlackFake({ users: company.users, appToken: 'xapp-test-app-token' }).start()
    const config = loadConfig({
      SLACK_BOT_TOKEN: fake.token,
      SLACK_APP_TOKEN: 'xapp-test-app-token',
      SLACK_API_URL: fake.apiUrl,
      PULSE_AS_OF: AS_OF,
      PULSE_ROSTER: company.rosterPath,
      PORT: String(await freePort()),
    })
    const logger = silentLogger()
    const slack = createSlackApp({
      store: company.store,
      config,
      logger,
      roster: company.roster,
      services: createPulseServices({ store: company.store, config, logger }),
      retries: 0,
    })
    expect(slack.mode).toBe('socket')
    try {
      await slack.start()
      await waitFor(() => fake.socketCount > 0, 10_000, 'the socket connection')
      expect(fake.callsOf('apps.connections.open')).toHaveLength(1)
      const responseUrl = fake.responseUrl()
      const ack = (await fake.sendEnvelope('slash_commands', {
        token: 'legacy',
        team_id: 'T0001',
        channel_id: 'C0000GENERAL',
        user_id: PEOPLE.cro,
        command: '/pulse',
        text: 'funnel',
        response_url: responseUrl,
        trigger_id: '1.2.3',
        api_app_id: 'A0001',
      })) as { payload?: { text?: string } }
      expect(ack.payload?.text).toContain('Working on')
      const id = responseUrl.split('/').pop() as string
      await waitFor(() => fake.responses.some((r) => r.id === id), 20_000, 'the answer')
      expect(fake.pngUploads()).toHaveLength(1)
    } finally {
      await slack.stop()
      await fake.stop()
      await company.store.close()
    }
  }, 60_000)
})
