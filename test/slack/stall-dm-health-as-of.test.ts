import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/db/open-store.js'
import { scoreOpenDeals } from '../../src/services/score-open-deals.js'
import type { SlackFake } from '../fakes/slack-fake.js'
import { runCli } from '../helpers/run-cli.js'
import { AS_OF, cliSlackCompany } from './slack-test-app.js'

/** A month before the DMs' day: the day the stored scores were computed for. */
const SCORED_ON = '2024-06-20'

describe('stalled-deal DMs sent days after the last scoring', () => {
  let fake: SlackFake
  let db: string
  beforeAll(async () => {
    ;({ db, fake } = await cliSlackCompany('pulse-dm-health-'))
    expect((await runCli('train', '--db', db, '--as-of', SCORED_ON)).code).toBe(0)
    // The scores stored by a `pulse score` (or a sync) a month earlier.
    const store = await openStore({ path: db })
    try {
      await scoreOpenDeals(store, { asOf: SCORED_ON, idleDays: 14 })
    } finally {
      await store.close()
    }
  }, 60_000)
  afterAll(async () => {
    await fake.stop()
  })

  it('give each deal the days idle and in stage of the day they are sent, in the reasons as in the message', async () => {
    const run = await runCli('alerts', '--db', db, '--as-of', AS_OF)
    expect(run.code).toBe(0)
    const dms = fake.callsOf('chat.postMessage').map((c) => JSON.stringify(c.params.blocks))
    let compared = 0
    for (const dm of dms) {
      const stated = /no activity for \*(\d+) days?\*/.exec(dm)?.[1]
      const inReasons = [...dm.matchAll(/No activity for (\d+) days?/g)].map((m) => m[1])
      expect(stated).toBeDefined()
      for (const days of inReasons) expect(days).toBe(stated)
      compared += inReasons.length
    }
    expect(compared).toBeGreaterThan(0)
  }, 60_000)
})
