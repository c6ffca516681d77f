import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { type Config, DEFAULT_STAGES, loadConfig } from '../../src/config.js'
import { openStore, type Store } from '../../src/db/open-store.js'
import { findHomeViewUsers } from '../../src/db/slack-home.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { type Logger, silentLogger } from '../../src/log/create-logger.js'
import { writeSampleFiles } from '../../src/sample/write-sample-files.js'
import { retrainModel } from '../../src/services/retrain-model.js'
import { scoreOpenDeals } from '../../src/services/score-open-deals.js'
import { EMPTY_ROSTER, loadRoster, type Roster } from '../../src/slack/access/load-roster.js'
import { clearSlackUserMemory } from '../../src/slack/access/slack-user-directory.js'
import { createPulseServices } from '../../src/slack/app/create-pulse-services.js'
import { createSlackApp, createSlackContext, type SlackApp } from '../../src/slack/app/create-slack-app.js'
import { clearDmMemory } from '../../src/slack/app/open-dm.js'
import type { PulseServices } from '../../src/slack/app/pulse-services.js'
import type { SlackContext } from '../../src/slack/app/slack-context.js'
import {
  appHomeOpenedBody,
  blockActionBody,
  type FakeMessage,
  type FakeUser,
  postSigned,
  SlackFake,
  type SlackFakeOptions,
  slashCommandBody,
  waitFor,
} from '../fakes/slack-fake.js'
import { openTestStore, tempDir } from '../helpers/test-store.js'

/** The "as of" date every Slack test pins. */
export const AS_OF = '2024-07-20'

/** The signing secret of the test app. */
export const SIGNING_SECRET = 'test-signing-secret-0123456789'

/** Slack ids of the people in the test workspace. */
export const PEOPLE = {
  cro: 'UCRO000001',
  admin: 'UADMIN0001',
  manager: 'UMGR000001',
  rep: 'UREP000001',
  otherRep: 'UREP000002',
  stranger: 'USTRANGER1',
} as const

/** A sample company in a store, with its roster and the emails of the people above. */
export interface SampleCompany {
  readonly store: Store
  readonly rosterPath: string
  readonly roster: Roster
  readonly emails: Record<keyof typeof PEOPLE, string>
  readonly users: FakeUser[]
}

/**
 * Writes a small `pulse sample` company (planted patterns, fixed seed), imports it into an
 * in-memory store (or the SQLite file `dbPath`, or `into`), and picks the people: the CRO, the admin, one manager, a rep on that team
 * and a rep on another team (both own deals), and a stranger.
 */
export async function sampleCompany(deals = 2500, dbPath?: string, into?: Store): Promise<SampleCompany> {
  const dir = tempDir('pulse-slack-')
  const sample = writeSampleFiles({ out: join(dir, 'deals.csv'), deals, seed: 11, asOf: AS_OF })
  const store = into ?? (dbPath ? await openStore({ path: dbPath }) : await openTestStore())
  await importCsvFile(store, { path: sample.csv, stages: DEFAULT_STAGES })
  const roster = loadRoster(sample.roster)
  const [managerEmail, team] = [...roster.managers.entries()][0] as [string, ReadonlySet<string>]
  const otherTeam = [...roster.managers.values()][1] as ReadonlySet<string>
  const emails = {
    cro: [...roster.executives][0] as string,
    admin: [...roster.admins][0] as string,
    manager: managerEmail,
    rep: [...team][0] as string,
    otherRep: [...otherTeam][0] as string,
    stranger: 'visitor@elsewhere.example',
  }
  const users: FakeUser[] = (Object.keys(PEOPLE) as Array<keyof typeof PEOPLE>).map((k) => ({ id: PEOPLE[k], email: emails[k] }))
  // Every other deal owner and manager is in the workspace too.
  const owners = await store.db.selectFrom('owners').select('email').orderBy('owner_id').execute()
  const known = new Set(users.map((u) => u.email))
  const others = [...owners.map((o) => o.email), ...roster.managers.keys()].filter((e): e is string => e !== null && !known.has(e))
  for (const [i, email] of [...new Set(others)].entries()) users.push({ id: `UOWNER${String(i).padStart(4, '0')}`, email })
  return { store, rosterPath: sample.roster, roster, emails, users }
}

/**
 * A sample company's store in a file (closed again), a Slack fake that knows its people, and the
 * CLI's environment (read once per test process) pointed at both: for tests that run `pulse`
 * commands which talk to Slack. Stop `fake` after the tests.
 */
export async function cliSlackCompany(prefix: string, deals = 2500): Promise<{ db: string; fake: SlackFake; company: SampleCompany }> {
  const db = join(tempDir(prefix), 'pulse.db')
  const company = await sampleCompany(deals, db)
  await company.store.close()
  const fake = await new SlackFake({ users: company.users }).start()
  process.env.SLACK_BOT_TOKEN = fake.token
  process.env.SLACK_API_URL = fake.apiUrl
  process.env.PULSE_ROSTER = company.rosterPath
  process.env.PULSE_LOG_LEVEL = 'silent'
  return { db, fake, company }
}

/** A running app against a fake Slack. */
export interface SlackTestApp {
  readonly fake: SlackFake
  readonly slack: SlackApp
  readonly company: SampleCompany
  readonly config: Config
  readonly url: string
  close(): Promise<void>
}

/**
 * Starts the fake Slack, then the real app (HTTP mode, port 0) pointed at it through
 * `SLACK_API_URL`, over a sample company. `env` adds variables (for example `PULSE_PUBLIC_URL`).
 */
export async function startSlackTestApp(
  options: {
    company?: SampleCompany
    env?: Record<string, string>
    fake?: SlackFakeOptions
    services?: PulseServices
    extraUsers?: FakeUser[]
    logger?: Logger
    /** Web API retries on errors other than 429 (default 0; `'slack-default'`: the client's own policy, as `pulse serve` runs). */
    retries?: number | 'slack-default'
  } = {},
): Promise<SlackTestApp> {
  clearSlackUserMemory()
  clearDmMemory()
  const company = options.company ?? (await sampleCompany())
  const fake = await new SlackFake({ users: [...company.users, ...(options.extraUsers ?? [])], ...options.fake }).start()
  const config = loadConfig({
    SLACK_BOT_TOKEN: fake.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    PULSE_AS_OF: AS_OF,
    PULSE_ROSTER: company.rosterPath,
    PULSE_ALERT_CHANNEL: 'C0ALERTS01',
    ...options.env,
  })
  const logger = options.logger ?? silentLogger()
  const services = options.services ?? createPulseServices({ store: company.store, config, logger })
  const retries = options.retries === 'slack-default' ? {} : { retries: options.retries ?? 0 }
  const slack = createSlackApp({ store: company.store, config, logger, roster: company.roster, services, ...retries })
  const server = (await slack.start(0)) as Server
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    fake,
    slack,
    company,
    config,
    url,
    async close() {
      await slack.stop()
      await fake.stop()
      // Anything Slack would have refused as invalid_blocks fails the suite that sent it.
      if (fake.blockKitProblems.length > 0) throw new Error(`Block Kit limits broken: ${fake.blockKitProblems.join('; ')}`)
    },
  }
}

/**
 * A sample company whose model is trained and whose open deals are scored as of {@link AS_OF}
 * (what `pulse train` and `pulse score` leave), with the app started over it.
 */
export async function startScoredSlackTestApp(): Promise<SlackTestApp> {
  const company = await sampleCompany()
  await retrainModel(company.store, { asOf: AS_OF, staleDays: 30 })
  await scoreOpenDeals(company.store, { asOf: AS_OF, idleDays: 14 })
  return startSlackTestApp({ company })
}

/**
 * Sends a signed `/pulse text` from `userId` and waits for an answer at its response URL other
 * than the "working on it" note; resolves with every answer posted there so far (the last is the
 * answer, with the blocks of a chart's note).
 */
export async function pulseAnswers(
  t: SlackTestApp,
  userId: string,
  text: string,
  timeoutMs = 25_000,
): Promise<Array<Record<string, unknown>>> {
  const responseUrl = t.fake.responseUrl()
  const id = responseUrl.split('/').pop() as string
  const res = await postSigned(t.url, SIGNING_SECRET, slashCommandBody({ userId, text, responseUrl }), 'application/x-www-form-urlencoded')
  if (res.status !== 200) throw new Error(`/pulse ${text} answered ${res.status}`)
  const answered = () =>
    t.fake.responses.filter((r) => r.id === id && !/working on it|^Working/i.test(String(r.body.text))).map((r) => r.body)
  await waitFor(() => answered().length > 0, timeoutMs, `the answer to /pulse ${text}`)
  return answered()
}

/** Another app instance (not started) on `t`'s store, config, roster and services: a second `pulse serve` behind the same Slack app. */
export function anotherInstance(t: SlackTestApp): SlackApp {
  return createSlackApp({
    store: t.company.store,
    config: t.config,
    logger: silentLogger(),
    roster: t.company.roster,
    services: t.slack.ctx.services,
    retries: 0,
  })
}

/**
 * Opens `userId`'s Home tab (a signed `app_home_opened`) and waits until the app has finished
 * with it: the view is at Slack and recorded in the store for the republish after a sync. (Slack
 * has the view a moment before the app hears back and records it; a refresh started in between
 * would not know of this person yet.) Returns the view Slack took.
 */
export async function openHomeRecorded(t: SlackTestApp, userId: string, timeoutMs = 30_000): Promise<SlackFake['views'][number]> {
  const n = t.fake.views.length
  const res = await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(userId), 'application/json')
  if (res.status !== 200) throw new Error(`app_home_opened answered ${res.status}`)
  await waitFor(() => t.fake.views.length > n, timeoutMs, 'views.publish')
  await waitFor(async () => (await findHomeViewUsers(t.company.store.db)).includes(userId), timeoutMs, `${userId}'s recorded Home view`)
  return t.fake.views.slice(n).find((v) => v.userId === userId) ?? (t.fake.views.at(-1) as SlackFake['views'][number])
}

/**
 * The Slack context of an app that only delivers the outbox: no roster (unless `roster` gives
 * one, or a function returning the current one), talking to `fake`, today pinned to 2024-07-20,
 * no retries beyond the drain's own; `env` adds settings (a lease, say).
 */
export function outboxContext(
  store: Store,
  fake: SlackFake,
  env: Record<string, string> = {},
  roster: Roster | (() => Roster) = EMPTY_ROSTER,
): SlackContext {
  const config = loadConfig({ SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.apiUrl, ...env })
  const logger = silentLogger()
  return createSlackContext({
    store,
    config,
    logger,
    roster,
    services: createPulseServices({ store, config, logger }),
    clock: { now: () => new Date(), asOf: () => '2024-07-20' },
    retries: 0,
  })
}

/**
 * Clicks `actionId` on the deal buttons of `dm` (a stalled-deal DM the fake received) as `userId`,
 * through the app's signed HTTP endpoint, and returns what the app sent to the click's
 * `response_url` (waiting up to 10 s for it).
 */
export async function clickDealButton(
  t: SlackTestApp,
  dm: FakeMessage,
  dealId: string,
  actionId: string,
  userId: string,
): Promise<Record<string, unknown>> {
  const responseUrl = t.fake.responseUrl()
  const id = responseUrl.split('/').pop() as string
  const body = blockActionBody({ userId, actionId, value: dealId, responseUrl, channelId: dm.channel, blocks: dm.blocks as unknown[] })
  const answer = await postSigned(t.url, SIGNING_SECRET, body, 'application/x-www-form-urlencoded')
  if (answer.status !== 200) throw new Error(`the click was answered with HTTP ${answer.status}`)
  await waitFor(() => t.fake.responses.some((r) => r.id === id), 10_000, 'the answer')
  return t.fake.responses.find((r) => r.id === id)?.body as Record<string, unknown>
}
