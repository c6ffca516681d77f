import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findChartImage } from '../../src/db/slack-home.js'
import { CHART_URL_TTL_MS, hostChartImage } from '../../src/slack/home/chart-images.js'
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

  it('keeps one stored copy and one URL for a chart drawn again unchanged, its expiry moved on', async () => {
    const ctx = { ...t.slack.ctx, publicUrl: 'https://pulse.example.com' }
    const db = t.company.store.db
    const rows = () => db.selectFrom('slack_chart_images').select(['token_hash', 'expires_at']).execute()
    await db.deleteFrom('slack_chart_images').execute()
    const png = Buffer.from('\x89PNG one chart')
    let now = new Date('2024-07-20T08:00:00Z')
    const at = { ...ctx, clock: { ...ctx.clock, now: () => now } }
    const first = await hostChartImage(at, png)
    now = new Date('2024-07-21T08:00:00Z')
    const again = await hostChartImage(at, Buffer.from(png))
    expect(again).toBe(first)
    expect(await rows()).toEqual([{ token_hash: expect.any(String), expires_at: new Date(now.getTime() + CHART_URL_TTL_MS).toISOString() }])
    // Another chart gets its own URL and row, and the served bytes are each chart's own.
    const other = await hostChartImage(at, Buffer.from('\x89PNG another chart'))
    expect(other).not.toBe(first)
    expect(other).toMatch(/^https:\/\/pulse\.example\.com\/charts\/[A-Za-z0-9_-]{43}\.png$/)
    expect(await rows()).toHaveLength(2)
    const stored = (url: string) =>
      findChartImage(
        db,
        createHash('sha256')
          .update((url.split('/').pop() as string).slice(0, -4))
          .digest('hex'),
        now,
      )
    expect(await stored(first as string)).toEqual(png)
  })
})
