import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/log/create-logger.js'
import { signSlackRequest } from '../fakes/slack-fake.js'
import { PEOPLE, pulseAnswers, SIGNING_SECRET, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

// Slack may add warnings to an answer it accepted (`response_metadata.warnings`: a deprecated
// method, a charset it did not expect); the log must say which, not the client's argument types.

describe('Web API warnings in the log', () => {
  let t: SlackTestApp
  const lines: Array<{ level: number; msg: string; component?: string }> = []
  beforeAll(async () => {
    const logger = createLogger('info', { write: (s: string) => lines.push(JSON.parse(s) as { level: number; msg: string }) })
    t = await startSlackTestApp({ logger, fake: { warnings: ['superfluous_charset', 'method_deprecated'] } })
  })
  afterAll(async () => {
    await t.close()
  })

  it("names each warning Slack's answers carry, and still answers the command", async () => {
    lines.length = 0
    const answers = await pulseAnswers(t, PEOPLE.cro, 'losses')
    expect(String(answers.at(-1)?.text)).toMatch(/Losses by stage/)
    const warned = lines.filter((l) => l.level === 40).map((l) => l.msg)
    expect(warned).toContain("Slack's answer to a Web API call carried a warning: superfluous_charset")
    expect(warned).toContain("Slack's answer to a Web API call carried a warning: method_deprecated")
    expect(warned.filter((m) => /\b(number|object)\b/.test(m))).toEqual([])
  })

  it('refuses a signed body that is not the JSON its Content-Type names with 400, logging the refusal without the body', async () => {
    lines.length = 0
    const body = '{"type":"event_callback","text":"private words typed by someone'
    const res = await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, body) },
      body,
    })
    expect(res.status).toBe(400)
    const warned = lines.filter((l) => l.level === 40).map((l) => l.msg)
    expect(warned.some((m) => m.startsWith('Malformed request body: signed, but not the JSON or form encoding'))).toBe(true)
    expect(JSON.stringify(lines)).not.toMatch(/event_callback|private words/)
  })
})
