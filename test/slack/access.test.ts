import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { AppError } from '../../src/errors.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { authorize, REFUSAL_ADMIN, REFUSAL_EMPTY_TEAM, REFUSAL_UNKNOWN } from '../../src/slack/access/authorize.js'
import { loadRoster, parseRoster, rosterEmptyMessage, watchRoster } from '../../src/slack/access/load-roster.js'
import { clearSlackUserMemory, emailOfSlackUser, lookupSlackUserId } from '../../src/slack/access/slack-user-directory.js'
import type { Viewer } from '../../src/slack/access/viewer.js'
import { createWebClient } from '../../src/slack/app/create-slack-app.js'
import { matchReportArgFilters } from '../../src/slack/commands/match-report-arg-filters.js'
import { appHomeOpenedBody, postSigned, SlackFake, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { openTestStore, tempDir, writeTempFile } from '../helpers/test-store.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

const viewer = (v: Partial<Viewer>): Viewer => ({
  slackUserId: 'U1',
  email: 'a@x.io',
  role: 'none',
  admin: false,
  ownerIds: [],
  teamEmails: [],
  ...v,
})

describe('the one access check', () => {
  it('gives executives everything, managers and owners their owners, and nobody else anything', () => {
    expect(authorize(viewer({ role: 'executive', ownerIds: null }), { kind: 'reports' })).toEqual({ allowed: true, scope: { kind: 'all' } })
    expect(authorize(viewer({ role: 'manager', ownerIds: ['r1', 'r2'] }), { kind: 'reports' })).toEqual({
      allowed: true,
      scope: { kind: 'owners', ownerIds: ['r1', 'r2'] },
    })
    expect(authorize(viewer({ role: 'owner', ownerIds: ['r1'] }), { kind: 'deal', ownerId: 'r2' }).allowed).toBe(false)
    expect(authorize(viewer({ role: 'owner', ownerIds: ['r1'] }), { kind: 'reports', ownerIds: ['r2'] }).allowed).toBe(false)
    expect(authorize(viewer({ role: 'none' }), { kind: 'home' })).toEqual({ allowed: false, message: REFUSAL_UNKNOWN })
    expect(authorize(viewer({ role: 'executive', ownerIds: null }), { kind: 'admin' })).toEqual({ allowed: false, message: REFUSAL_ADMIN })
    expect(authorize(viewer({ role: 'none', admin: true }), { kind: 'admin' }).allowed).toBe(true)
  })

  it('takes an owner named in another case as the one owner in scope it can only be', () => {
    const own = viewer({ role: 'owner', ownerIds: ['rep_1'] })
    expect(authorize(own, { kind: 'reports', ownerIds: ['REP_1'] }).allowed).toBe(true)
    expect(authorize(own, { kind: 'reports', ownerIds: ['rep_2'] }).allowed).toBe(false)
    // Two owners in scope that differ only in case: the typed one must be exact.
    const both = viewer({ role: 'manager', ownerIds: ['ab', 'AB'] })
    expect(authorize(both, { kind: 'reports', ownerIds: ['Ab'] }).allowed).toBe(false)
    expect(authorize(both, { kind: 'reports', ownerIds: ['AB'] }).allowed).toBe(true)
  })

  it("takes a CRM owner id typed by the owner kept apart under that CRM's name as theirs, and no one else's", async () => {
    const ana = viewer({ role: 'owner', ownerIds: ['hubspot:42'] })
    expect(authorize(ana, { kind: 'reports', ownerIds: ['42'] }).allowed).toBe(true)
    expect(authorize(ana, { kind: 'reports', ownerIds: ['hubspot:42'] }).allowed).toBe(true)
    expect(authorize(ana, { kind: 'reports', ownerIds: ['4'] }).allowed).toBe(false)
    expect(authorize(viewer({ role: 'owner', ownerIds: ['team:42'] }), { kind: 'reports', ownerIds: ['42'] }).allowed).toBe(false)
    // The report then reads the stored id: the CSV's owner 42 (another person) is not theirs.
    const store = await openTestStore()
    try {
      const scope = { kind: 'owners', ownerIds: ['hubspot:42'] } as const
      const matched = await matchReportArgFilters(store.db, { months: undefined, where: { sales_rep_id: '42' } }, scope)
      expect(matched.args.where).toEqual({ sales_rep_id: 'hubspot:42' })
      // A manager whose team holds both the CSV's 42 and HubSpot's reads the one typed.
      const both = { kind: 'owners', ownerIds: ['42', 'hubspot:42'] } as const
      expect((await matchReportArgFilters(store.db, { months: undefined, where: { sales_rep_id: '42' } }, both)).args.where).toEqual({
        sales_rep_id: '42',
      })
    } finally {
      await store.close()
    }
  })

  it('never turns an empty team into an unfiltered scope', () => {
    expect(authorize(viewer({ role: 'manager', ownerIds: [] }), { kind: 'reports' })).toEqual({
      allowed: false,
      message: REFUSAL_EMPTY_TEAM,
    })
  })

  it('parses the roster case-insensitively and names what is wrong', () => {
    const r = parseRoster(
      'executives: [CRO@Acme.com]\nadmins: [ops@acme.com]\nmanagers:\n  - email: Lead@acme.com\n    team: [Ana@acme.com]\n',
    )
    expect(r.executives.has('cro@acme.com')).toBe(true)
    expect(r.managers.get('lead@acme.com')?.has('ana@acme.com')).toBe(true)
    expect(() => parseRoster('managers:\n  - team: [a@b.c]\n')).toThrow(/managers\.0\.email/)
    expect(() => parseRoster('executive: [a@b.c]')).toThrow(/PULSE_ROSTER/)
    // A misspelt team key is named, rather than read as a manager with no team.
    expect(() => parseRoster('managers:\n  - email: lead@acme.com\n    teams: [ana@acme.com]\n')).toThrow(
      'PULSE_ROSTER: managers.0: Unrecognized key: "teams".',
    )
    // A manager written as a bare address is shown the form a manager takes.
    expect(() => parseRoster('managers:\n  - lead@acme.example\n')).toThrow(
      'PULSE_ROSTER: managers.0: each manager is an email and a team, such as "- email: lead@acme.com" with "team: [ana@acme.com, ben@acme.com]" under it (not "lead@acme.example" alone).',
    )
  })

  it("gives a manager whose team holds other managers those managers' teams too, at any depth and through a loop", () => {
    const r = parseRoster(
      [
        'managers:',
        '  - email: vp@acme.com',
        '    team: [Emea-Lead@acme.com, amer-lead@acme.com]',
        '  - email: emea-lead@acme.com',
        '    team: [ana@acme.com, ben@acme.com]',
        '  - email: amer-lead@acme.com',
        '    team: [cy@acme.com, smb-lead@acme.com]',
        '  - email: smb-lead@acme.com',
        '    team: [dee@acme.com]',
        '  - email: x@acme.com',
        '    team: [y@acme.com]',
        '  - email: y@acme.com',
        '    team: [x@acme.com, zed@acme.com]',
      ].join('\n'),
    )
    const team = (email: string) => [...(r.managers.get(email) ?? [])].sort()
    expect(team('vp@acme.com')).toEqual([
      'amer-lead@acme.com',
      'ana@acme.com',
      'ben@acme.com',
      'cy@acme.com',
      'dee@acme.com',
      'emea-lead@acme.com',
      'smb-lead@acme.com',
    ])
    // The roster's order is kept: the direct team first, then the teams below.
    expect([...(r.managers.get('vp@acme.com') ?? [])].slice(0, 4)).toEqual([
      'emea-lead@acme.com',
      'amer-lead@acme.com',
      'ana@acme.com',
      'ben@acme.com',
    ])
    expect(team('emea-lead@acme.com')).toEqual(['ana@acme.com', 'ben@acme.com'])
    expect(team('amer-lead@acme.com')).toEqual(['cy@acme.com', 'dee@acme.com', 'smb-lead@acme.com'])
    expect(team('x@acme.com')).toEqual(['y@acme.com', 'zed@acme.com'])
    expect(team('y@acme.com')).toEqual(['x@acme.com', 'zed@acme.com'])
  })

  it('reads a list left empty (admins:) as no one and one address without brackets as a list of one', () => {
    const r = parseRoster(
      'executives: CRO@acme.com\nadmins:\nmanagers:\n  - email: lead@acme.com\n    team: Ana@acme.com\n  - email: new@acme.com\n    team:\n',
    )
    expect([...r.executives]).toEqual(['cro@acme.com'])
    expect(r.admins.size).toBe(0)
    expect([...(r.managers.get('lead@acme.com') ?? [])]).toEqual(['ana@acme.com'])
    expect(r.managers.get('new@acme.com')?.size).toBe(0)
    expect(parseRoster('executives: [cro@acme.com]\nmanagers:\n').managers.size).toBe(0)
    // One address per entry still: two in one string are refused.
    expect(() => parseRoster('executives: "cro@acme.com, ceo@acme.com"')).toThrow(/is not one email address/)
    expect(() => parseRoster('executives: [mailto:cro@acme.com]')).toThrow(/"mailto:cro@acme.com" is not one email address/)
  })

  it('refuses a roster with nothing in it, naming the file, instead of reading it as naming no one', () => {
    for (const text of ['', '\n', '# executives: [cro@acme.com]\n', '~\n']) {
      expect(() => parseRoster(text), JSON.stringify(text)).toThrow(new AppError('bad_config', rosterEmptyMessage()))
    }
    const file = writeTempFile('roster.yml', '# to be filled in\n')
    expect(() => loadRoster(file)).toThrow(`PULSE_ROSTER names an empty file: ${file}. Name your executives, admins and managers`)
    expect(() => watchRoster(file)).toThrow(/names an empty file/)
    // A roster that names no one says so, and is taken.
    expect(parseRoster('executives: []\n').executives.size).toBe(0)
  })

  it('matches a roster address pasted with an invisible character (zero-width space, word joiner, BOM) in it', () => {
    const r = parseRoster(
      'executives: ["cro@acme.com\u200b"]\nadmins: ["\u2060revops@acme.com"]\nmanagers:\n  - email: "lead@\ufeffacme.com"\n    team: ["ana@acme.com\u200b "]\n',
    )
    expect([...r.executives]).toEqual(['cro@acme.com'])
    expect([...r.admins]).toEqual(['revops@acme.com'])
    expect([...(r.managers.get('lead@acme.com') ?? [])]).toEqual(['ana@acme.com'])
  })

  it('names a roster path that is a folder as a configuration problem, for loading and for watching', () => {
    const folder = tempDir()
    const expected = new AppError('bad_config', `PULSE_ROSTER names a folder, not a file: ${folder}. Point it at your roster YAML file.`)
    expect(() => loadRoster(folder)).toThrow(expected)
    expect(() => watchRoster(folder)).toThrow(expected)
  })

  it('refuses an entry that is not one plain address (a display name, two addresses), naming it, instead of matching nobody', () => {
    expect(() => parseRoster('executives: [Chief Revenue <cro@acme.com>]')).toThrow(
      'PULSE_ROSTER: executives.0: "Chief Revenue <cro@acme.com>" is not one email address; write each address alone, such as ana@acme.com.',
    )
    expect(() => parseRoster('managers:\n  - email: lead@acme.com\n    team:\n      - ana@acme.com, ben@acme.com\n')).toThrow(
      /managers\.0\.team\.0: "ana@acme.com, ben@acme.com" is not one email address/,
    )
    expect(() => parseRoster('managers:\n  - email: Lead <lead@acme.com>\n    team: [ana@acme.com]\n')).toThrow(/managers\.0\.email/)
  })
})

describe('who sees what, end to end', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp()
  })
  afterAll(async () => {
    await t.close()
  })

  async function ask(userId: string, text: string) {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const uploads = t.fake.callsOf('files.completeUploadExternal').length
    await postSigned(t.url, SIGNING_SECRET, slashCommandBody({ userId, text, responseUrl }), 'application/x-www-form-urlencoded')
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 20_000)
    const body = t.fake.responses.find((r) => r.id === id)?.body as Record<string, unknown>
    return { body, text: JSON.stringify(body), uploaded: t.fake.callsOf('files.completeUploadExternal').length - uploads }
  }

  async function ownerIdOf(email: string): Promise<string> {
    const row = await t.company.store.db.selectFrom('owners').select('owner_id').where('email', '=', email).executeTakeFirstOrThrow()
    return row.owner_id
  }

  it("refuses a rep asking for another team's rep, with no numbers in the answer", async () => {
    const other = await ownerIdOf(t.company.emails.otherRep)
    const a = await ask(PEOPLE.rep, `winrate sales_rep_id=${other}`)
    expect(a.text).toContain('only see your own deals')
    expect(a.text).not.toMatch(/\d+%|\$\d/)
    expect(a.uploaded).toBe(0)
  })

  it("answers a rep asking for another team's deal exactly as for a deal that does not exist", async () => {
    const other = await ownerIdOf(t.company.emails.otherRep)
    const deal = await t.company.store.db
      .selectFrom('deals')
      .select(['deal_id', 'amount'])
      .where('owner_id', '=', other)
      .limit(1)
      .executeTakeFirstOrThrow()
    const a = await ask(PEOPLE.rep, `deal ${deal.deal_id}`)
    expect(a.text).toContain('No deal you can see')
    expect(a.text).not.toMatch(/\$\d|Amount/)
  })

  it("shows a rep only their own stalled deals, and a manager only their team's", async () => {
    const rep = await ask(PEOPLE.rep, 'stalled')
    const emailsShown = [...rep.text.matchAll(/\(([a-z.]+@acme\.example)\)/g)].map((m) => m[1])
    for (const e of emailsShown) expect(e).toBe(t.company.emails.rep)
    const mgr = await ask(PEOPLE.manager, 'stalled')
    const team = t.company.roster.managers.get(t.company.emails.manager) as ReadonlySet<string>
    const shown = [...mgr.text.matchAll(/\(([a-z.]+@acme\.example)\)/g)].map((m) => m[1] as string)
    expect(shown.length).toBeGreaterThan(0)
    for (const e of shown) expect(team.has(e) || e === t.company.emails.manager).toBe(true)
    expect(mgr.text).toContain('your team')
  })

  it('politely refuses someone Sales Pulse does not know, with no data and no chart', async () => {
    const a = await ask(PEOPLE.stranger, 'winrate')
    expect(a.text).toContain(REFUSAL_UNKNOWN)
    expect(a.text).not.toMatch(/\d+%|\$\d/)
    expect(a.uploaded).toBe(0)
    const unknownToSlack = await ask('UNOBODY999', 'losses')
    expect(unknownToSlack.text).toContain(REFUSAL_UNKNOWN)
  })
})

describe('an app installed without users:read.email', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp({ fake: { scopes: ['commands', 'chat:write', 'files:write', 'im:write', 'users:read'] } })
  })
  afterAll(async () => {
    await t.close()
  })

  it('tells the CRO which permission is missing instead of treating them as a stranger', async () => {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ userId: PEOPLE.cro, text: 'winrate', responseUrl }),
      'application/x-www-form-urlencoded',
    )
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 20_000)
    const text = String((t.fake.responses.find((r) => r.id === id)?.body as { text?: string } | undefined)?.text)
    expect(text).toContain('users:read.email')
    expect(text).not.toBe(REFUSAL_UNKNOWN)
    expect(t.fake.callsOf('files.getUploadURLExternal')).toHaveLength(0)
  })

  it('says the same on the Home tab instead of leaving it empty', async () => {
    const n = t.fake.views.length
    await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(PEOPLE.manager), 'application/json')
    await waitFor(() => t.fake.views.length > n, 20_000, 'views.publish')
    const text = JSON.stringify(t.fake.views.at(-1)?.view.blocks)
    expect(text).toContain('users:read.email')
    expect(text).not.toMatch(/\d+%|\$\d/)
  })
})

describe('who a Slack user is, remembered for a day', () => {
  it('asks Slack again after a day, so a changed or removed email changes what they see', async () => {
    const fake = await new SlackFake({ users: [{ id: 'UCHANGE001', email: 'old@acme.example' }] }).start()
    const store = await openTestStore()
    try {
      const client = createWebClient(loadConfig({ SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.apiUrl }), silentLogger(), 0)
      const day0 = new Date('2024-07-20T09:00:00Z')
      clearSlackUserMemory()
      expect(await emailOfSlackUser(store.db, client, 'UCHANGE001', day0)).toBe('old@acme.example')
      ;(fake.users[0] as { email: string | null }).email = 'new@acme.example'
      clearSlackUserMemory() // a restart: only the store remembers
      expect(await emailOfSlackUser(store.db, client, 'UCHANGE001', new Date(day0.getTime() + 3_600_000))).toBe('old@acme.example')
      clearSlackUserMemory()
      const later = new Date(day0.getTime() + 25 * 3_600_000)
      expect(await emailOfSlackUser(store.db, client, 'UCHANGE001', later)).toBe('new@acme.example')
      clearSlackUserMemory()
      expect(await emailOfSlackUser(store.db, client, 'UCHANGE001', new Date(later.getTime() + 3_600_000))).toBe('new@acme.example')
    } finally {
      await store.close()
      await fake.stop()
    }
  })
})

describe('owners found by email', () => {
  it('asks Slack again after a week, so DMs follow an account recreated for the same email', async () => {
    const fake = await new SlackFake({ users: [{ id: 'UOLD000001', email: 'ana@acme.example' }] }).start()
    const store = await openTestStore()
    try {
      const client = createWebClient(loadConfig({ SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.apiUrl }), silentLogger(), 0)
      const day0 = new Date('2024-07-20T09:00:00Z')
      expect(await lookupSlackUserId(store.db, client, 'ana@acme.example', day0)).toBe('UOLD000001')
      // The old account is deactivated and a new one is made for the same email.
      fake.users.splice(
        0,
        1,
        { id: 'UNEW000001', email: 'ana@acme.example' },
        { id: 'UOLD000001', email: 'ana@acme.example', deleted: true },
      )
      expect(await lookupSlackUserId(store.db, client, 'ana@acme.example', new Date(day0.getTime() + 86_400_000))).toBe('UOLD000001')
      expect(fake.callsOf('users.lookupByEmail')).toHaveLength(1)
      expect(await lookupSlackUserId(store.db, client, 'ana@acme.example', new Date(day0.getTime() + 8 * 86_400_000))).toBe('UNEW000001')
    } finally {
      await store.close()
      await fake.stop()
    }
  })
})
