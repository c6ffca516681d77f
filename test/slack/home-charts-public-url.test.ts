import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadHomeSnapshot } from '../../src/slack/home/home-snapshot.js'
import { AS_OF, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

// docs/slack.md: with PULSE_PUBLIC_URL "the Home tab shows charts". An admin who sets it (or
// moves the app to a new address) and restarts expects charts at that address on the next open,
// not after the next sync or the next day.

describe('Home charts follow PULSE_PUBLIC_URL', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp({ company: await sampleCompany(400) })
  })
  afterAll(async () => {
    await t.close()
  })

  it('a snapshot stored without a public URL gets charts once one is set, and follows a new address', async () => {
    const ctx = t.slack.ctx
    const without = await loadHomeSnapshot({ ...ctx, publicUrl: undefined }, null, AS_OF)
    expect(without.charts.winrate).toBeUndefined()
    const first = await loadHomeSnapshot({ ...ctx, publicUrl: 'https://pulse.example.com' }, null, AS_OF)
    expect(first.charts.winrate).toMatch(/^https:\/\/pulse\.example\.com\/charts\/[A-Za-z0-9_-]{43}\.png$/)
    expect(await loadHomeSnapshot({ ...ctx, publicUrl: 'https://pulse.example.com/' }, null, AS_OF)).toEqual(first)
    const moved = await loadHomeSnapshot({ ...ctx, publicUrl: 'https://sales.example.org' }, null, AS_OF)
    expect(moved.charts.winrate).toMatch(/^https:\/\/sales\.example\.org\/charts\//)
    const team = await loadHomeSnapshot({ ...ctx, publicUrl: 'https://sales.example.org' }, t.company.emails.manager, AS_OF)
    expect(team.charts.winrate).toMatch(/^https:\/\/sales\.example\.org\/charts\//)
    const off = await loadHomeSnapshot({ ...ctx, publicUrl: undefined }, null, AS_OF)
    expect(off.charts).toEqual({})
  })
})
