import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appHomeOpenedBody, postSigned, waitFor } from '../fakes/slack-fake.js'
import { AS_OF, PEOPLE, type SampleCompany, SIGNING_SECRET, sampleCompany, startSlackTestApp } from './slack-test-app.js'

describe('Home figures after the stalled limits change', () => {
  let company: SampleCompany
  beforeAll(async () => {
    company = await sampleCompany()
  })
  afterAll(async () => {
    await company.store.close()
  })

  async function stalledOnHome(env: Record<string, string>): Promise<{ shown: string; count: number }> {
    const t = await startSlackTestApp({ company, env })
    try {
      await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(PEOPLE.cro), 'application/json')
      await waitFor(() => t.fake.views.length > 0, 20_000, 'views.publish')
      const text = JSON.stringify(t.fake.views.at(-1)?.view.blocks)
      const shown = /\*Stalled\*\\n([\d,]+) deal/.exec(text)?.[1] ?? 'none'
      // What `pulse report stalled` counts with the same settings.
      const report = await t.slack.ctx.services.stalled(company.store.db, {
        asOf: AS_OF,
        rules: { alertAmount: t.config.alertAmount, idleDays: t.config.idleDays, staleDays: t.config.staleDays },
      })
      return { shown, count: report.stalledCount }
    } finally {
      await t.close()
    }
  }

  it('are computed with the new PULSE_ALERT_AMOUNT and PULSE_IDLE_DAYS after a restart the same day, not the old', async () => {
    const before = await stalledOnHome({})
    expect(before.shown).toBe(before.count.toLocaleString('en-US'))
    const after = await stalledOnHome({ PULSE_ALERT_AMOUNT: '100000', PULSE_IDLE_DAYS: '30' })
    expect(after.count).toBeLessThan(before.count)
    expect(after.shown).toBe(after.count.toLocaleString('en-US'))
  })
})
