import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { retrainModel } from '../../src/services/retrain-model.js'
import { scoreOpenDeals } from '../../src/services/score-open-deals.js'
import { appHomeOpenedBody, postSigned, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

/** A month before the app's day: the day the stored scores were computed for. */
const SCORED_ON = '2024-06-20'

describe("a rep's Home tab opened days after the last scoring", () => {
  let t: SlackTestApp
  beforeAll(async () => {
    const company = await sampleCompany()
    await retrainModel(company.store, { asOf: SCORED_ON, staleDays: 30 })
    // The scores stored by a `pulse score` (or a sync) a month earlier.
    await scoreOpenDeals(company.store, { asOf: SCORED_ON, idleDays: 14 })
    t = await startSlackTestApp({ company })
  }, 60_000)
  afterAll(async () => {
    await t.close()
    await t.company.store.close()
  })

  it('gives each deal the days idle of the day shown, in its reasons as on its line, least healthy first', async () => {
    await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(PEOPLE.rep), 'application/json')
    await waitFor(() => t.fake.views.some((v) => v.userId === PEOPLE.rep), 20_000, 'views.publish')
    const blocks = t.fake.views.find((v) => v.userId === PEOPLE.rep)?.view.blocks as Array<{
      type: string
      text?: { text: string }
      elements?: Array<{ text: string }>
    }>
    let compared = 0
    const healths: number[] = []
    for (const [i, b] of blocks.entries()) {
      const line = b.type === 'section' ? (b.text?.text ?? '') : ''
      const stated = /idle (\d+) days?/.exec(line)?.[1]
      const health = /health \*(\d+)\/100\*/.exec(line)?.[1]
      if (stated === undefined || health === undefined) continue
      healths.push(Number(health))
      const next = blocks[i + 1]
      const reasons = next?.type === 'context' ? (next.elements?.[0]?.text ?? '') : ''
      for (const m of reasons.matchAll(/No activity for (\d+) days?/g)) {
        expect(m[1]).toBe(stated)
        compared++
      }
    }
    expect(compared).toBeGreaterThan(0)
    expect(healths).toEqual([...healths].sort((a, b) => a - b))
  }, 60_000)
})
