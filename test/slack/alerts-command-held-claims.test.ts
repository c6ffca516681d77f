import { afterAll, beforeAll, expect, it } from 'vitest'
import type { SlackFake } from '../fakes/slack-fake.js'
import { runCli } from '../helpers/run-cli.js'
import { AS_OF, cliSlackCompany } from './slack-test-app.js'

let fake: SlackFake
let db: string
beforeAll(async () => {
  ;({ db, fake } = await cliSlackCompany('pulse-alerts-'))
})
afterAll(async () => {
  await fake.stop()
})

it('pulse alerts run again at once after Slack failed says the DMs the stopped run still holds are owed, and exits 1, instead of that none is left', async () => {
  fake.failNextHttp('chat.postMessage', 503, 1000)
  try {
    expect((await runCli('alerts', '--db', db, '--as-of', AS_OF)).code).toBe(1)
  } finally {
    fake.resetFailures()
  }
  const before = fake.callsOf('chat.postMessage').length
  // Slack answers again, but the first run's claims (SQLite: 35 s) have not run out.
  const again = await runCli('alerts', '--db', db, '--as-of', AS_OF)
  const waiting = Number(/Slack messages: (\d+) waiting/.exec((await runCli('status', '--db', db)).stdout)?.[1])
  expect(waiting).toBeGreaterThan(0)
  expect(fake.callsOf('chat.postMessage').length).toBe(before)
  expect(again.stdout).toContain(`left for the next run 0, ${waiting} held by another run's claim for up to 35 s;`)
  expect(again.code).toBe(1)
  expect(again.stderr).toContain(`Not every DM reached Slack (0 failed, 0 left for the next run, ${waiting} claimed by another run)`)
  expect(again.stderr).toContain('run pulse alerts again after that')
}, 60_000)
