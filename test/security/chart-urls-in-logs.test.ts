import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/log/create-logger.js'
import { appHomeOpenedBody, postSigned, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from '../slack/slack-test-app.js'

// docs/slack.md: a Home chart is served at PULSE_PUBLIC_URL/charts/<token>.png, "the token is 256
// random bits (only its hash is stored)". Whoever holds the URL sees the chart for 7 days, so the
// token is a secret like any other: it must not reach the log, at any level.
describe('Home chart URLs never reach the log', () => {
  let t: SlackTestApp
  const lines: string[] = []
  beforeAll(async () => {
    const logger = createLogger('trace', { write: (s: string) => void lines.push(s) })
    t = await startSlackTestApp({ company: await sampleCompany(600), env: { PULSE_PUBLIC_URL: 'https://pulse.example' }, logger })
  })
  afterAll(async () => {
    await t.close()
  })

  it('keeps the chart tokens out of the log when the Home view is published and when its charts are fetched', async () => {
    await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(PEOPLE.cro), 'application/json')
    await waitFor(() => t.fake.views.some((v) => v.userId === PEOPLE.cro), 30_000, 'the Home view')
    const view = JSON.stringify(t.fake.views.find((v) => v.userId === PEOPLE.cro))
    const tokens = [...view.matchAll(/https:\/\/pulse\.example\/charts\/([A-Za-z0-9_-]{43})\.png/g)].map((m) => m[1] as string)
    expect(tokens.length).toBeGreaterThan(0)
    for (const token of tokens) {
      expect((await fetch(`${t.url}/charts/${token}.png`)).status).toBe(200)
      // A proxy checking the image first, or a client trying another method.
      await fetch(`${t.url}/charts/${token}.png`, { method: 'HEAD' })
      await fetch(`${t.url}/charts/${token}.png`, { method: 'POST', body: '' })
    }
    await new Promise((r) => setTimeout(r, 200))
    const log = lines.join('')
    expect(log).toContain('/charts/')
    for (const token of tokens) expect(log, 'the log quotes a chart token').not.toContain(token)
  })
})
