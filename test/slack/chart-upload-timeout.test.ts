import { afterEach, describe, expect, it } from 'vitest'
import { UPLOAD_TIMEOUT_MS } from '../../src/slack/app/upload-file.js'
import { postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

// docs/slack.md: when a chart cannot be sent, the findings still arrive with a note saying why. An
// upload address that takes the connection and never answers must neither hold the findings for a
// minute nor be told to the asker as a fault of Sales Pulse.

const open: SlackTestApp[] = []
afterEach(async () => {
  for (const t of open.splice(0)) await t.close()
})

describe('a chart upload Slack does not answer', () => {
  it(`answers with the findings and a note naming Slack's upload after ${UPLOAD_TIMEOUT_MS / 1000} s, without trying again`, async () => {
    const t = await startSlackTestApp()
    open.push(t)
    t.fake.delayNext('upload', UPLOAD_TIMEOUT_MS + 10_000)
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const answered = () => t.fake.responses.find((r) => r.id === id && Array.isArray(r.body.blocks))
    const started = Date.now()
    await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ userId: PEOPLE.cro, text: 'losses', responseUrl }),
      'application/x-www-form-urlencoded',
    )
    await waitFor(() => answered() !== undefined, UPLOAD_TIMEOUT_MS + 8_000, 'the answer')
    expect(Date.now() - started).toBeLessThan(UPLOAD_TIMEOUT_MS + 5_000)
    const blocks = JSON.stringify(answered()?.body.blocks)
    expect(blocks).toContain('Losses by stage')
    expect(blocks).toContain(
      `The chart could not be sent. Slack did not take the upload (its upload address did not answer within ${UPLOAD_TIMEOUT_MS / 1000} seconds)`,
    )
    expect(blocks).not.toMatch(/on our side/)
    expect(t.fake.callsOf('files.getUploadURLExternal')).toHaveLength(1)
    expect(t.fake.callsOf('files.completeUploadExternal')).toHaveLength(0)
  }, 40_000)
})
