import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/log/create-logger.js'
import { PEOPLE, pulseAnswers, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

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

  /** The answer to `/pulse text` from `userId` (text and blocks, as JSON). */
  const ask = async (userId: string, text: string) => JSON.stringify((await pulseAnswers(t, userId, text)).at(-1))

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
