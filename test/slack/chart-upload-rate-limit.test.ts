import { afterEach, describe, expect, it } from 'vitest'
import { postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

const open: SlackTestApp[] = []
afterEach(async () => {
  for (const t of open.splice(0)) await t.close()
})

async function blocksOf(t: SlackTestApp, text: string, timeoutMs: number): Promise<string> {
  const responseUrl = t.fake.responseUrl()
  const id = responseUrl.split('/').pop() as string
  await postSigned(t.url, SIGNING_SECRET, slashCommandBody({ userId: PEOPLE.cro, text, responseUrl }), 'application/x-www-form-urlencoded')
  await waitFor(() => t.fake.responses.some((r) => r.id === id), timeoutMs)
  return JSON.stringify((t.fake.responses.find((r) => r.id === id)?.body as { blocks?: unknown } | undefined)?.blocks)
}

describe('a chart upload Slack rate-limits', () => {
  it('answers at once with the findings and a note when Slack asks to wait a minute, instead of holding the answer for the Retry-After again and again', async () => {
    const t = await startSlackTestApp({ fake: { retryAfterSeconds: 60 }, retries: 'slack-default' })
    open.push(t)
    t.fake.rateLimitNext('files.getUploadURLExternal', 10)
    const started = Date.now()
    const blocks = await blocksOf(t, 'losses', 15_000)
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(blocks).toContain('Losses by stage')
    expect(blocks).toContain('The chart could not be sent. Slack is rate-limiting us right now')
    expect(t.fake.callsOf('files.getUploadURLExternal')).toHaveLength(1)
  })

  it('waits out a short Retry-After and still sends the chart', async () => {
    const t = await startSlackTestApp({ fake: { retryAfterSeconds: 1 } })
    open.push(t)
    t.fake.rateLimitNext('files.getUploadURLExternal', 1)
    t.fake.rateLimitNext('files.completeUploadExternal', 1)
    const blocks = await blocksOf(t, 'funnel', 15_000)
    expect(blocks).toContain('The chart is in your DM with Sales Pulse.')
    expect(t.fake.pngUploads()).toHaveLength(1)
    expect(t.fake.callsOf('files.completeUploadExternal')).toHaveLength(2)
  })
})
