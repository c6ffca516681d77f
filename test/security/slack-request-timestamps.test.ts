import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from '../slack/slack-test-app.js'

const FORM = 'application/x-www-form-urlencoded'

describe('POST /slack/events reads X-Slack-Request-Timestamp only as Slack writes it (whole seconds in decimal)', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp({ company: await sampleCompany(300) })
  })
  afterAll(async () => {
    await t.close()
  })

  // Signed the way Bolt checks it: over the number the header parses to, which for `0x...` or
  // `...e0` is the same number written another way.
  async function send(header: string, seconds: number) {
    const body = slashCommandBody({ userId: PEOPLE.cro, text: 'winrate', responseUrl: t.fake.responseUrl() })
    const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${seconds}:${body}`).digest('hex')}`
    const res = await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': FORM, 'x-slack-request-timestamp': header, 'x-slack-signature': signature },
      body,
    })
    return res.status
  }

  it('refuses a timestamp in another notation (hex, exponent, sign, fraction), which would dodge the five-minute window ahead', async () => {
    const work = () => t.fake.calls.length + t.fake.responses.length
    const before = work()
    const ahead = Math.floor(Date.now() / 1000) + 60 * 60
    for (const header of [`0x${ahead.toString(16)}`, `${ahead}e0`, `+${ahead}`, `${ahead}.0`, `0b${ahead.toString(2)}`]) {
      expect(await send(header, ahead), header).toBe(401)
    }
    // Even within the window: Slack never writes it so.
    const now = Math.floor(Date.now() / 1000)
    expect(await send(`0x${now.toString(16)}`, now)).toBe(401)
    await new Promise((r) => setTimeout(r, 300))
    expect(work()).toBe(before)
    // The plain form still works.
    expect(await send(String(now), now)).toBe(200)
    await waitFor(() => work() > before, 10_000, 'the plain request to be handled')
  })
})
