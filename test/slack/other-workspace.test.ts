import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { findSlackTokenRefusal } from '../../src/db/slack-token-refusals.js'
import { createLogger } from '../../src/log/create-logger.js'
import { REFUSAL_UNKNOWN } from '../../src/slack/access/authorize.js'
import { isFromOwnWorkspace, REFUSAL_OTHER_WORKSPACE, requestWorkspace } from '../../src/slack/access/request-workspace.js'
import { botTokenHash } from '../../src/slack/app/bot-token-refusal.js'
import { SHARE_ACTION_ID } from '../../src/slack/commands/answer-command.js'
import { blockActionBody, eventCallbackBody, postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

// The fake's auth.test names workspace T0001 for the bot token; T0999 is another organization's.
const OTHER_TEAM = 'T0999'

const CONNECT_USER = 'UCONNECT01'

// A slash command typed in `teamId` (form-encoded, as Slack posts it).
function commandFrom(teamId: string, fields: { userId: string; text: string; responseUrl: string }, extra: Record<string, string> = {}) {
  const form = new URLSearchParams(slashCommandBody(fields))
  form.set('team_id', teamId)
  for (const [k, v] of Object.entries(extra)) form.set(k, v)
  return form.toString()
}

// A click on a Share button whose payload names `team` as the workspace and `userTeam` as the clicker's own.
function shareClick(team: string, userTeam: string, userId: string, responseUrl: string) {
  const form = new URLSearchParams(
    blockActionBody({
      userId,
      actionId: SHARE_ACTION_ID,
      value: JSON.stringify({ t: 'winrate', c: 'C0000SHARED' }),
      responseUrl,
      channelId: 'C0000SHARED',
    }),
  )
  const payload = JSON.parse(form.get('payload') as string) as Record<string, unknown>
  payload.team = { id: team, domain: 'acme' }
  payload.user = { ...(payload.user as object), team_id: userTeam }
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString()
}

describe('requests from another workspace, PULSE_SLACK_OTHER_WORKSPACES=refuse', () => {
  let t: SlackTestApp
  const lines: Array<{ level: number; msg: string; team?: string; userTeam?: string }> = []
  beforeAll(async () => {
    const logger = createLogger('info', { write: (s: string) => lines.push(JSON.parse(s)) })
    // A Slack Connect user of another organization, in a channel shared with it, whose profile
    // shows the CRO's email (their organization's Slack, not ours, vouches for it).
    const company = await sampleCompany()
    t = await startSlackTestApp({
      company,
      logger,
      extraUsers: [{ id: CONNECT_USER, email: company.emails.cro, teamId: OTHER_TEAM }],
      env: { PULSE_SLACK_OTHER_WORKSPACES: 'refuse' },
    })
  }, 60_000)
  afterAll(async () => {
    await t.close()
    await t.company.store.close()
  })
  beforeEach(() => {
    lines.length = 0
  })
  const refusals = () => lines.filter((l) => l.level === 40 && /another workspace/.test(l.msg))

  it('answers a /pulse typed in another workspace with one private sentence, without asking who it is or running the report', async () => {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop()
    const calls = t.fake.calls.length
    // The CRO's Slack id, as another workspace might hold it: no deal data may come back.
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      commandFrom(OTHER_TEAM, { userId: PEOPLE.cro, text: 'winrate', responseUrl }),
      'application/x-www-form-urlencoded',
    )
    expect(res.status).toBe(200)
    expect(JSON.parse(res.text)).toEqual({ response_type: 'ephemeral', text: REFUSAL_OTHER_WORKSPACE })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(t.fake.responses.filter((r) => r.id === id)).toEqual([])
    expect(t.fake.calls.slice(calls).map((c) => c.method)).toEqual([])
    expect(refusals()).toHaveLength(1)
    expect(refusals()[0]).toMatchObject({ team: OTHER_TEAM })
    expect(JSON.stringify(lines)).not.toContain(t.fake.token)
  })

  it('still answers a /pulse typed in its own workspace', async () => {
    const responseUrl = t.fake.responseUrl()
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      commandFrom('T0001', { userId: PEOPLE.cro, text: 'help', responseUrl }),
      'application/x-www-form-urlencoded',
    )
    expect(res.status).toBe(200)
    expect(res.text).not.toContain(REFUSAL_OTHER_WORKSPACE)
    expect(refusals()).toEqual([])
  })

  it('answers a Share click by a Slack Connect user of another organization in a shared channel with the sentence, posting nothing', async () => {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop()
    const posts = t.fake.messages.length
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      shareClick('T0001', OTHER_TEAM, PEOPLE.cro, responseUrl),
      'application/x-www-form-urlencoded',
    )
    expect(res.status).toBe(200)
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 10_000, 'the refusal')
    expect(t.fake.responses.filter((r) => r.id === id).map((r) => r.body)).toEqual([
      { response_type: 'ephemeral', replace_original: false, text: REFUSAL_OTHER_WORKSPACE },
    ])
    expect(t.fake.messages.length).toBe(posts)
    expect(refusals()[0]).toMatchObject({ team: 'T0001', userTeam: OTHER_TEAM })
  })

  it('refuses a /pulse from a Slack Connect user whose payload names the app’s workspace but whose own workspace Slack says is another', async () => {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop()
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      commandFrom('T0001', { userId: CONNECT_USER, text: 'winrate', responseUrl }),
      'application/x-www-form-urlencoded',
    )
    expect(res.status).toBe(200)
    await waitFor(() => t.fake.responses.some((r) => r.id === id && !/Working on/.test(String(r.body.text))), 10_000, 'the answer')
    const answers = t.fake.responses.filter((r) => r.id === id && !/Working on/.test(String(r.body.text)))
    expect(answers.map((r) => r.body.text)).toEqual([REFUSAL_OTHER_WORKSPACE])
    expect(t.fake.calls.some((c) => c.method === 'files.completeUploadExternal')).toBe(false)
  })

  it('shows a Slack Connect user of another organization who opens the Home tab the sentence, and no figures', async () => {
    const views = t.fake.views.length
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      eventCallbackBody({ type: 'app_home_opened', user: CONNECT_USER, channel: 'DCONNECT', tab: 'home', event_ts: '1.2' }),
      'application/json',
    )
    expect(res.status).toBe(200)
    await waitFor(() => t.fake.views.length > views, 10_000, 'views.publish')
    const view = JSON.stringify(t.fake.views.slice(views))
    expect(view).toContain(REFUSAL_OTHER_WORKSPACE.slice(0, 60))
    expect(view).not.toMatch(/win rate|pipeline/i)
  })

  it('publishes no Home tab for an app_home_opened delivered for another workspace', async () => {
    const views = t.fake.views.length
    const body = JSON.parse(
      eventCallbackBody({ type: 'app_home_opened', user: PEOPLE.cro, channel: 'DCRO', tab: 'home', event_ts: '1.2' }),
    ) as Record<string, unknown>
    body.team_id = OTHER_TEAM
    body.authorizations = [{ team_id: OTHER_TEAM, enterprise_id: null, user_id: 'UBOT0001', is_bot: true }]
    const res = await postSigned(t.url, SIGNING_SECRET, JSON.stringify(body), 'application/json')
    expect(res.status).toBe(200)
    await waitFor(() => refusals().length > 0, 5000, 'the warning')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(t.fake.views.length).toBe(views)
  })

  it('does not pause its own Slack jobs when the app is uninstalled from another workspace', async () => {
    const body = JSON.parse(eventCallbackBody({ type: 'app_uninstalled' })) as Record<string, unknown>
    body.team_id = OTHER_TEAM
    body.authorizations = [{ team_id: OTHER_TEAM, enterprise_id: null, user_id: 'UBOT0001', is_bot: true }]
    const res = await postSigned(t.url, SIGNING_SECRET, JSON.stringify(body), 'application/json')
    expect(res.status).toBe(200)
    await waitFor(() => refusals().length > 0, 5000, 'the warning')
    expect(await findSlackTokenRefusal(t.company.store.db, botTokenHash(t.config))).toBeNull()
  })
})

describe('requests from another workspace, by default (PULSE_SLACK_OTHER_WORKSPACES=log)', () => {
  let t: SlackTestApp
  const lines: Array<{ level: number; msg: string; team?: string }> = []
  beforeAll(async () => {
    const logger = createLogger('info', { write: (s: string) => lines.push(JSON.parse(s)) })
    t = await startSlackTestApp({ logger })
  }, 60_000)
  afterAll(async () => {
    await t.close()
    await t.company.store.close()
  })
  beforeEach(() => {
    lines.length = 0
  })
  const warnings = () => lines.filter((l) => l.level === 40 && /another workspace/.test(l.msg))

  // The answer posted to a command's response URL once it is worked out (not the "Working on" ack).
  const answerOf = async (userId: string, text: string) => {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop()
    const res = await postSigned(
      t.url,
      SIGNING_SECRET,
      commandFrom(OTHER_TEAM, { userId, text, responseUrl }),
      'application/x-www-form-urlencoded',
    )
    expect(res.text).not.toContain(REFUSAL_OTHER_WORKSPACE)
    const later = () => t.fake.responses.filter((r) => r.id === id && !/Working on/.test(String(r.body.text)))
    await waitFor(() => later().length > 0, 20_000, 'the answer')
    return JSON.stringify(later()[0]?.body)
  }

  it('logs a /pulse typed in another workspace and judges the asker by the roster as usual: a stranger is refused', async () => {
    const answer = await answerOf(PEOPLE.stranger, 'winrate')
    expect(answer).toContain(REFUSAL_UNKNOWN.slice(0, 40))
    expect(answer).not.toMatch(/\d+(\.\d+)?%/)
    expect(warnings()).toHaveLength(1)
    expect(warnings()[0]).toMatchObject({ team: OTHER_TEAM })
    expect(warnings()[0]?.msg).toContain('PULSE_SLACK_OTHER_WORKSPACES=refuse')
    expect(JSON.stringify(lines)).not.toContain(t.fake.token)
  })

  it('answers someone the roster knows, logging that the request named another workspace', async () => {
    const answer = await answerOf(PEOPLE.cro, 'status')
    expect(answer).not.toContain(REFUSAL_OTHER_WORKSPACE)
    expect(answer).not.toContain(REFUSAL_UNKNOWN.slice(0, 40))
    expect(warnings()).toHaveLength(1)
  })

  it('reads the setting: log by default, refuse on request, anything else refused with the choices', () => {
    expect(loadConfig({}).slackOtherWorkspaces).toBe('log')
    expect(loadConfig({ PULSE_SLACK_OTHER_WORKSPACES: 'refuse' }).slackOtherWorkspaces).toBe('refuse')
    expect(() => loadConfig({ PULSE_SLACK_OTHER_WORKSPACES: 'deny' })).toThrow(
      /PULSE_SLACK_OTHER_WORKSPACES must be log \(the default\) or refuse/,
    )
  })
})

describe('requests on Enterprise Grid, PULSE_SLACK_OTHER_WORKSPACES=refuse', () => {
  const SIBLING = 'USIBLING01'
  const PARTNER = 'UPARTNER01'
  let t: SlackTestApp
  beforeAll(async () => {
    const company = await sampleCompany()
    t = await startSlackTestApp({
      company,
      fake: { enterpriseId: 'E0001' },
      env: { PULSE_SLACK_OTHER_WORKSPACES: 'refuse' },
      extraUsers: [
        // A member of another workspace of the same organization (the CRO's account there).
        { id: SIBLING, email: company.emails.cro, teamId: 'T0005', enterpriseId: 'E0001' },
        // A Slack Connect user of another Grid organization.
        { id: PARTNER, email: company.emails.cro, teamId: OTHER_TEAM, enterpriseId: 'E0999' },
      ],
    })
  }, 60_000)
  afterAll(async () => {
    await t.close()
    await t.company.store.close()
  })

  const answerTo = async (userId: string, enterpriseId: string) => {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop()
    const body = commandFrom('T0001', { userId, text: 'status', responseUrl }, { enterprise_id: enterpriseId })
    const res = await postSigned(t.url, SIGNING_SECRET, body, 'application/x-www-form-urlencoded')
    const later = () => t.fake.responses.filter((r) => r.id === id && !/Working on/.test(String(r.body.text)))
    if (res.text.includes(REFUSAL_OTHER_WORKSPACE)) return REFUSAL_OTHER_WORKSPACE
    await waitFor(() => later().length > 0, 20_000, 'the answer')
    return String(later()[0]?.body.text)
  }

  it('serves a member of the same organization, and refuses a command naming another organization or from a user of one', async () => {
    expect(await answerTo(SIBLING, 'E0001')).not.toBe(REFUSAL_OTHER_WORKSPACE)
    expect(await answerTo(PEOPLE.cro, 'E0999')).toBe(REFUSAL_OTHER_WORKSPACE)
    expect(await answerTo(PARTNER, 'E0001')).toBe(REFUSAL_OTHER_WORKSPACE)
  })
})

describe('isFromOwnWorkspace', () => {
  const grid = { teamId: 'T0001', enterpriseId: 'E0001' }
  it('takes the workspace’s own requests and refuses other workspaces, organizations and Slack Connect users', () => {
    const command = (team_id: string, enterprise_id?: string) =>
      requestWorkspace({ command: '/pulse', team_id, ...(enterprise_id ? { enterprise_id } : {}) })
    expect(isFromOwnWorkspace({ teamId: 'T0001' }, command('T0001'))).toBe(true)
    expect(isFromOwnWorkspace({ teamId: 'T0001' }, command('T0002'))).toBe(false)
    expect(isFromOwnWorkspace(grid, command('T0001', 'E0001'))).toBe(true)
    expect(isFromOwnWorkspace(grid, command('T0001', 'E0002'))).toBe(false)
    const click = (team: string | null, userTeam: string) =>
      requestWorkspace({ type: 'block_actions', team: team ? { id: team } : null, user: { id: 'U1', team_id: userTeam } })
    expect(isFromOwnWorkspace({ teamId: 'T0001' }, click('T0001', 'T0001'))).toBe(true)
    expect(isFromOwnWorkspace({ teamId: 'T0001' }, click('T0001', 'T0009'))).toBe(false)
    expect(isFromOwnWorkspace(grid, click('T0001', 'E0001'))).toBe(true)
    // On Grid a sibling workspace's member may be one of ours too: users.info decides (by enterprise_user).
    expect(isFromOwnWorkspace(grid, click('T0001', 'T0005'))).toBe(true)
    expect(isFromOwnWorkspace({ teamId: 'T0001' }, click(null, 'T0009'))).toBe(false)
    // A payload naming no workspace at all is nobody's.
    expect(isFromOwnWorkspace({ teamId: 'T0001' }, requestWorkspace({ type: 'block_actions', user: { id: 'U1' } }))).toBe(false)
    const event = (authorizations: unknown, team_id = 'T0001') => requestWorkspace({ type: 'event_callback', team_id, authorizations })
    expect(isFromOwnWorkspace({ teamId: 'T0001' }, event([{ team_id: 'T0001', enterprise_id: null }]))).toBe(true)
    expect(isFromOwnWorkspace({ teamId: 'T0001' }, event([{ team_id: 'T0002', enterprise_id: null }]))).toBe(false)
    expect(isFromOwnWorkspace({ teamId: 'T0001' }, event(undefined, 'T0002'))).toBe(false)
  })
})
