import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/log/create-logger.js'
import { postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

const FORM = 'application/x-www-form-urlencoded'

describe('/pulse when Slack fails on its own side', () => {
  let t: SlackTestApp
  const logs: Array<{ level: number; msg: string }> = []
  beforeAll(async () => {
    const logger = createLogger('info', { write: (s: string) => logs.push(JSON.parse(s) as { level: number; msg: string }) })
    t = await startSlackTestApp({ logger })
  })
  afterAll(async () => {
    await t.close()
  })

  /** Sends `/pulse text` for `userId`; resolves with its last answer (text and blocks, as JSON) once one arrives. */
  async function ask(userId: string, text: string): Promise<string> {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const res = await postSigned(t.url, SIGNING_SECRET, slashCommandBody({ userId, text, responseUrl }), FORM)
    expect(res.status).toBe(200)
    const answered = () => t.fake.responses.filter((r) => r.id === id && !/working on it|^Working/i.test(String(r.body.text)))
    await waitFor(() => answered().length > 0, 25_000, `the answer to /pulse ${text}`)
    return JSON.stringify(answered().at(-1)?.body)
  }

  it("a chart upload Slack answers with internal_error: the asker is told it was Slack's side and to try again, not that Sales Pulse failed", async () => {
    t.fake.failNext('files.completeUploadExternal', 'internal_error')
    const answer = await ask(PEOPLE.cro, 'winrate')
    // The findings still come, with a note under them on the missing chart.
    expect(answer).toContain('Win rate, company')
    expect(answer).toContain(
      'The chart could not be sent. Slack could not complete that just now (internal_error), so try again in a minute',
    )
    expect(answer).not.toContain('on our side')
  }, 60_000)

  it('a chart upload step Slack answers with HTTP 503 (after any retries): the same sentence, without an error code', async () => {
    t.fake.failNextHttp('files.getUploadURLExternal', 503)
    const answer = await ask(PEOPLE.cro, 'funnel')
    expect(answer).toContain('The chart could not be sent. Slack could not complete that just now, so try again in a minute')
    expect(answer).not.toContain('on our side')
  }, 60_000)

  it('/pulse sync with no CRM configured tells the admin what to set, and logs a warning without a stack, not an error', async () => {
    const before = logs.length
    const text = await ask(PEOPLE.admin, 'sync')
    expect(text).toContain('No CRM is configured')
    const lines = logs.slice(before)
    expect(lines.some((l) => l.level === 40 && /a setting is missing/.test(l.msg))).toBe(true)
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([])
  }, 60_000)
})
