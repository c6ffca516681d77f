import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { REFUSAL_OTHER_WORKSPACE } from '../../src/slack/access/request-workspace.js'
import { clearSlackUserMemory } from '../../src/slack/access/slack-user-directory.js'
import { createPulseServices } from '../../src/slack/app/create-pulse-services.js'
import { createSlackApp } from '../../src/slack/app/create-slack-app.js'
import { SlackFake, waitFor } from '../fakes/slack-fake.js'
import { freePort } from '../helpers/pulse-process.js'
import { AS_OF, PEOPLE, sampleCompany } from './slack-test-app.js'

/** The Slack app of `company` in Socket Mode with `appToken`, against `fake`. */
async function socketModeApp(company: Awaited<ReturnType<typeof sampleCompany>>, fake: SlackFake, appToken: string) {
  const config = loadConfig({
    SLACK_BOT_TOKEN: fake.token,
    SLACK_APP_TOKEN: appToken,
    SLACK_API_URL: fake.apiUrl,
    PULSE_AS_OF: AS_OF,
    PULSE_ROSTER: company.rosterPath,
    PORT: String(await freePort()),
    PULSE_SLACK_OTHER_WORKSPACES: 'refuse',
  })
  const logger = silentLogger()
  return createSlackApp({
    store: company.store,
    config,
    logger,
    roster: company.roster,
    services: createPulseServices({ store: company.store, config, logger }),
    retries: 0,
  })
}

describe('Socket Mode (SLACK_APP_TOKEN, no public URL)', () => {
  it('connects through apps.connections.open, acks a /pulse envelope over the socket, and answers with the chart', async () => {
    clearSlackUserMemory()
    const company = await sampleCompany()
    const fake = await new SlackFake({ users: company.users, appToken: 'xapp-test-app-token' }).start()
    const slack = await socketModeApp(company, fake, 'xapp-test-app-token')
    expect(slack.mode).toBe('socket')
    try {
      await slack.start()
      await waitFor(() => fake.socketCount > 0, 10_000, 'the socket connection')
      // One to check the app token at start, one for the socket.
      expect(fake.callsOf('apps.connections.open')).toHaveLength(2)
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
      // With PULSE_SLACK_OTHER_WORKSPACES=refuse the same command typed in another workspace is refused in its ack, over the socket too.
      const elsewhere = fake.responseUrl()
      const refused = (await fake.sendEnvelope('slash_commands', {
        token: 'legacy',
        team_id: 'T0999',
        channel_id: 'C0000GENERAL',
        user_id: PEOPLE.cro,
        command: '/pulse',
        text: 'funnel',
        response_url: elsewhere,
        trigger_id: '1.2.4',
        api_app_id: 'A0001',
      })) as { payload?: { text?: string } }
      expect(refused.payload?.text).toBe(REFUSAL_OTHER_WORKSPACE)
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(fake.responses.filter((r) => r.id === elsewhere.split('/').pop())).toEqual([])
      expect(fake.pngUploads()).toHaveLength(1)
    } finally {
      await slack.stop()
      await fake.stop()
      await company.store.close()
    }
  }, 60_000)

  it('stops at start with a sentence naming SLACK_APP_TOKEN, never the token, when Slack refuses it or it is the bot token', async () => {
    clearSlackUserMemory()
    const company = await sampleCompany()
    const fake = await new SlackFake({ users: company.users, appToken: 'xapp-test-app-token' }).start()
    try {
      for (const [appToken, message] of [
        ['xapp-revoked-0042', 'Slack refused SLACK_APP_TOKEN (apps.connections.open: invalid_auth).'],
        [fake.token, 'Slack refused SLACK_APP_TOKEN (apps.connections.open: not_allowed_token_type). It must be an app-level token'],
      ] as const) {
        const slack = await socketModeApp(company, fake, appToken)
        const started = slack.start().then(
          () => 'started',
          (error: Error) => error.message,
        )
        const outcome = await Promise.race([
          started,
          new Promise((resolve) => setTimeout(() => resolve('still starting after 10 s'), 10_000)),
        ])
        await slack.stop().catch(() => undefined)
        expect(outcome).toContain(message)
        expect(outcome).not.toContain(appToken)
      }
    } finally {
      await fake.stop()
      await company.store.close()
    }
  }, 60_000)
})
