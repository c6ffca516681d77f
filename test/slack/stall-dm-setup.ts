import { expect } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { clearSlackUserMemory } from '../../src/slack/access/slack-user-directory.js'
import { createPulseServices } from '../../src/slack/app/create-pulse-services.js'
import { createSlackContext } from '../../src/slack/app/create-slack-app.js'
import { clearDmMemory } from '../../src/slack/app/open-dm.js'
import type { SlackContext } from '../../src/slack/app/slack-context.js'
import { type FakeUser, SlackFake, type SlackFakeOptions } from '../fakes/slack-fake.js'
import { AS_OF, type SampleCompany, sampleCompany } from './slack-test-app.js'

/** What a stalled-deal DM test starts with (see {@link stallDmSetup}). */
export interface StallDmSetup {
  company: SampleCompany
  fake: SlackFake
  ctx: SlackContext
  /** Moves the context's "as of" day (the clock's `asOf`), as the days pass in a test. */
  setAsOf: (day: string) => string
}

/**
 * For tests of the stalled-deal DMs and alerts: a sample company (or `options.company`), a started
 * Slack fake knowing its people (or `options.users`), and the Slack context of an app delivering to
 * it, as of {@link AS_OF} with the company's roster and an alert channel. What it starts is pushed
 * on `open` to be closed after the test, with a check that no message broke Block Kit's limits.
 */
export async function stallDmSetup(
  open: Array<{ close(): Promise<void> }>,
  options: {
    company?: SampleCompany
    users?: (c: SampleCompany) => FakeUser[]
    fake?: SlackFakeOptions
    env?: Record<string, string>
  } = {},
): Promise<StallDmSetup> {
  clearSlackUserMemory()
  clearDmMemory()
  const company = options.company ?? (await sampleCompany())
  const fake = await new SlackFake({ users: options.users ? options.users(company) : company.users, ...options.fake }).start()
  open.push(
    { close: () => fake.stop() },
    { close: () => company.store.close() },
    { close: async () => expect(fake.blockKitProblems, 'Block Kit limits broken').toEqual([]) },
  )
  let asOf = AS_OF
  const config = loadConfig({
    SLACK_BOT_TOKEN: fake.token,
    SLACK_API_URL: fake.apiUrl,
    PULSE_AS_OF: AS_OF,
    PULSE_ROSTER: company.rosterPath,
    PULSE_ALERT_CHANNEL: 'C0ALERTS01',
    ...options.env,
  })
  const logger = silentLogger()
  const ctx = createSlackContext({
    store: company.store,
    config,
    logger,
    roster: company.roster,
    services: createPulseServices({ store: company.store, config, logger }),
    clock: { now: () => new Date(), asOf: () => asOf },
    retries: 0,
  })
  return { company, fake, ctx, setAsOf: (d: string) => (asOf = d) }
}
