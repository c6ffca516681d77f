import { join } from 'node:path'
import { expect } from 'vitest'
import { clearSlackUserMemory } from '../../src/slack/access/slack-user-directory.js'
import { clearDmMemory } from '../../src/slack/app/open-dm.js'
import { type FakeUser, SlackFake, type SlackFakeOptions } from '../fakes/slack-fake.js'
import { runCli } from './run-cli.js'
import { tempDir, writeTempFile } from './test-store.js'

/** The CSV header of the `pulse alerts` CLI tests: the contract's columns with an activity date and owner email. */
export const ALERTS_CSV_HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,owner_email'

/**
 * For tests that run `pulse alerts` in this process: a started Slack fake knowing `users`, the
 * environment pointing the CLI at it (set before the first command reads the configuration, which
 * is read once per process), the roster given (or none), and a store with `rows` imported;
 * `fake` adds options of the fake.
 */
export async function alertsCliSetup(options: {
  users: FakeUser[]
  rows: readonly string[]
  rosterYaml?: string
  /** More options of the fake (its workspace's Grid organization, say). */
  fake?: Omit<SlackFakeOptions, 'users'>
}): Promise<{ fake: SlackFake; db: string }> {
  clearSlackUserMemory()
  clearDmMemory()
  const fake = await new SlackFake({ ...options.fake, users: options.users }).start()
  process.env.SLACK_BOT_TOKEN = fake.token
  process.env.SLACK_API_URL = fake.apiUrl
  process.env.PULSE_LOG_LEVEL = 'silent'
  if (options.rosterYaml === undefined) delete process.env.PULSE_ROSTER
  else process.env.PULSE_ROSTER = writeTempFile('roster.yml', options.rosterYaml)
  const db = join(tempDir(), 'p.db')
  const csv = writeTempFile('d.csv', `${[ALERTS_CSV_HEADER, ...options.rows].join('\n')}\n`)
  expect((await runCli('ingest', '--csv', csv, '--db', db)).code).toBe(0)
  return { fake, db }
}
