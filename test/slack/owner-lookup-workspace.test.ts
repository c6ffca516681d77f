import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { findCachedSlackUser } from '../../src/db/slack-user-cache.js'
import { createLogger } from '../../src/log/create-logger.js'
import { ownWorkspaceOnce } from '../../src/slack/access/own-workspace-once.js'
import { clearSlackUserMemory, emailOfSlackUser, lookupSlackUserId, MISS_TTL_MS } from '../../src/slack/access/slack-user-directory.js'
import { createWebClient } from '../../src/slack/app/create-slack-app.js'
import { type FakeUser, SlackFake } from '../fakes/slack-fake.js'
import { alertsCliSetup } from '../helpers/alerts-cli-setup.js'
import { runCli } from '../helpers/run-cli.js'
import { openTestStore } from '../helpers/test-store.js'

// The bot token's workspace in the fake is T0001; on Grid its organization is E0001.
const GRID_USERS: FakeUser[] = [
  { id: 'UHOME00001', email: 'home@acme.example', enterpriseId: 'E0001' },
  // A person of another workspace of the organization, not a member of the app's.
  { id: 'UOTHER0001', email: 'other@acme.example', teamId: 'T0002', enterpriseId: 'E0001' },
  // Homed in another workspace of the organization, and a member of the app's too.
  { id: 'UBOTH00001', email: 'both@acme.example', teamId: 'T0002', enterpriseId: 'E0001', teams: ['T0002', 'T0001'] },
  { id: 'UGONE00001', email: 'gone@acme.example', enterpriseId: 'E0001', deleted: true },
  { id: 'UBOT000001', email: 'bot@acme.example', enterpriseId: 'E0001', isBot: true },
]

describe('owners found by email on Enterprise Grid', () => {
  let fake: SlackFake
  const open: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const close of open.splice(0)) await close()
  })

  // PULSE_SLACK_OTHER_WORKSPACES=refuse unless `refuseOthers` is false (the default, `log`).
  const setup = async (options: { enterpriseId?: string; users?: FakeUser[]; refuseOthers?: boolean } = {}) => {
    fake = await new SlackFake({ users: options.users ?? GRID_USERS.map((u) => ({ ...u })), enterpriseId: options.enterpriseId }).start()
    const store = await openTestStore()
    open.push(
      () => fake.stop(),
      () => store.close(),
    )
    const lines: Array<Record<string, unknown>> = []
    const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) })
    const client = createWebClient(loadConfig({ SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.apiUrl }), logger, 0)
    const ctx = { ownWorkspace: { current: undefined }, logger }
    // As a drain asks: the workspace at most once.
    const lookupOptions = { own: ownWorkspaceOnce(ctx, client), logger, refuseOthers: options.refuseOthers ?? true }
    return {
      store,
      client,
      lines,
      lookup: (email: string, at: Date) => lookupSlackUserId(store.db, client, email, at, lookupOptions),
      // Who is asking, as /pulse and the Home tab find out, under the same setting.
      whoIs: (slackUserId: string, at: Date) =>
        emailOfSlackUser(store.db, client, slackUserId, at, { teamId: 'T0001', enterpriseId: 'E0001' }, options.refuseOthers ?? true),
    }
  }

  it('does not DM someone of another workspace of the organization: a warning with their workspace, a miss asked again the next day', async () => {
    const { store, lines, lookup } = await setup({ enterpriseId: 'E0001' })
    const day0 = new Date('2024-07-20T09:00:00Z')
    expect(await lookup('other@acme.example', day0)).toBeNull()
    const warning = lines.find((l) => l.slackUserId === 'UOTHER0001')
    expect(warning).toMatchObject({ level: 40, userTeamId: 'T0002', appTeamId: 'T0001', reason: 'other_workspace' })
    expect(String(warning?.msg)).toMatch(/another Slack workspace than the app's/)
    expect(JSON.stringify(lines)).not.toContain('other@acme.example')
    expect(JSON.stringify(lines)).not.toContain(fake.token)
    // Remembered as a miss, not as their id: no DM goes to them from the cache either.
    expect(await findCachedSlackUser(store.db, 'other@acme.example')).toMatchObject({ slackUserId: null })
    expect(await lookup('other@acme.example', new Date(day0.getTime() + 3_600_000))).toBeNull()
    expect(fake.callsOf('users.lookupByEmail')).toHaveLength(1)
    // Added to the app's workspace meanwhile: the next day's lookup finds them.
    ;(fake.users.find((u) => u.id === 'UOTHER0001') as FakeUser).teams = ['T0002', 'T0001']
    expect(await lookup('other@acme.example', new Date(day0.getTime() + MISS_TTL_MS + 1))).toBe('UOTHER0001')
  })

  it('by default (log) DMs the owner found in another workspace of the organization, with a warning naming their workspace', async () => {
    const { store, lines, lookup } = await setup({ enterpriseId: 'E0001', refuseOthers: false })
    const now = new Date('2024-07-20T09:00:00Z')
    expect(await lookup('other@acme.example', now)).toBe('UOTHER0001')
    const warning = lines.find((l) => l.slackUserId === 'UOTHER0001')
    expect(warning).toMatchObject({ level: 40, userTeamId: 'T0002', appTeamId: 'T0001', reason: 'other_workspace' })
    expect(String(warning?.msg)).toMatch(/DMed as the owner \(PULSE_SLACK_OTHER_WORKSPACES=refuse skips them\)/)
    expect(JSON.stringify(lines)).not.toContain('other@acme.example')
    expect(await findCachedSlackUser(store.db, 'other@acme.example')).toMatchObject({ slackUserId: 'UOTHER0001' })
    // A deactivated account or a bot is still skipped.
    expect(await lookup('gone@acme.example', now)).toBeNull()
    expect(await lookup('bot@acme.example', now)).toBeNull()
  })

  it("does not take someone of another workspace who used the app as the recipient of their email's DMs", async () => {
    clearSlackUserMemory()
    const { lookup, whoIs } = await setup({ enterpriseId: 'E0001' })
    const now = new Date('2024-07-20T09:00:00Z')
    // Their email is read for the roster to decide (their organization is the app's), ...
    expect(await whoIs('UOTHER0001', now)).toBe('other@acme.example')
    expect(await whoIs('UHOME00001', now)).toBe('home@acme.example')
    // ... but only someone of the workspace stands for their email in the DMs' cache.
    expect(await lookup('home@acme.example', now)).toBe('UHOME00001')
    expect(fake.callsOf('users.lookupByEmail')).toHaveLength(0)
    expect(await lookup('other@acme.example', now)).toBeNull()
    expect(fake.callsOf('users.lookupByEmail').map((c) => c.params.email)).toEqual(['other@acme.example'])
  })

  it('finds someone of the workspace, and someone homed elsewhere in the organization who is a member of it too', async () => {
    const { lookup, lines } = await setup({ enterpriseId: 'E0001' })
    const now = new Date('2024-07-20T09:00:00Z')
    expect(await lookup('home@acme.example', now)).toBe('UHOME00001')
    expect(await lookup('both@acme.example', now)).toBe('UBOTH00001')
    expect(lines.filter((l) => l.level === 40)).toEqual([])
    // The workspace is asked for once, however many lookups find someone.
    expect(fake.callsOf('auth.test')).toHaveLength(1)
  })

  it('does not DM a deactivated account or a bot, and says so without the email', async () => {
    const { lookup, lines } = await setup({ enterpriseId: 'E0001' })
    const now = new Date('2024-07-20T09:00:00Z')
    expect(await lookup('gone@acme.example', now)).toBeNull()
    expect(await lookup('bot@acme.example', now)).toBeNull()
    expect(lines.filter((l) => l.level === 40).map((l) => [l.slackUserId, l.reason])).toEqual([
      ['UGONE00001', 'deactivated'],
      ['UBOT000001', 'bot'],
    ])
    expect(JSON.stringify(lines)).not.toMatch(/gone@|bot@/)
  })

  it('outside Grid, does not DM a user of another organization, Grid or not (a Slack Connect user), and DMs one naming no workspace', async () => {
    const { lookup } = await setup({
      users: [
        { id: 'UOTHER0001', email: 'other@acme.example', teamId: 'T0002', enterpriseId: 'E0009' },
        { id: 'UCONNECT01', email: 'partner@acme.example', teamId: 'T0003' },
        { id: 'UHOME00001', email: 'home@acme.example' },
      ],
    })
    const now = new Date('2024-07-20T09:00:00Z')
    expect(await lookup('other@acme.example', now)).toBeNull()
    expect(await lookup('partner@acme.example', now)).toBeNull()
    expect(await lookup('home@acme.example', now)).toBe('UHOME00001')
  })

  it('asks nobody to be skipped when Slack will not name the workspace (auth.test fails)', async () => {
    const { lookup } = await setup({ enterpriseId: 'E0001' })
    fake.failNext('auth.test', 'internal_error', 1)
    expect(await lookup('other@acme.example', new Date('2024-07-20T09:00:00Z'))).toBe('UOTHER0001')
  })
})

describe('pulse alerts on Enterprise Grid, PULSE_SLACK_OTHER_WORKSPACES=refuse', () => {
  let fake: SlackFake
  let db: string
  const row = (id: string, email: string) => `${id},2024-01-02,,rep_${email[0]},SaaS,EMEA,Core,Inbound,Demo,80000,Open,2024-05-01,${email}`
  beforeAll(async () => {
    // Read once per process, by the first command of this file.
    process.env.PULSE_SLACK_OTHER_WORKSPACES = 'refuse'
    ;({ fake, db } = await alertsCliSetup({
      users: GRID_USERS.map((u) => ({ ...u })),
      rows: [row('H1', 'home@acme.example'), row('O1', 'other@acme.example'), row('O2', 'other@acme.example')],
      fake: { enterpriseId: 'E0001' },
    }))
  })
  afterAll(async () => {
    delete process.env.PULSE_SLACK_OTHER_WORKSPACES
    await fake.stop()
  })

  it('skips the DMs of an owner whose email finds someone of another workspace, names them, and DMs the others', async () => {
    const run = await runCli('alerts', '--db', db, '--as-of', '2024-07-01')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/Delivered 1 .*skipped 2 /)
    expect(fake.callsOf('conversations.open').map((c) => c.params.users)).toEqual(['UHOME00001'])
    expect(fake.callsOf('chat.postMessage').map((c) => c.params.channel)).toEqual(['DHOME00001'])
    expect(run.stderr).toMatch(/another Slack workspace than the app's/)
    expect(run.stderr).toMatch(/other@acme\.example.*O1, O2/)
    expect(run.stderr).not.toContain(fake.token)
  })
})
