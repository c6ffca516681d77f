import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { findChartImage, saveHomeView } from '../../src/db/slack-home.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import type { SlackContext } from '../../src/slack/app/slack-context.js'
import { chartTokenHashOf, hostChartImage, pruneChartImages, UNREFERENCED_CHART_GRACE_MS } from '../../src/slack/home/chart-images.js'
import { publishHome } from '../../src/slack/home/publish-home.js'
import { refreshHomeTabs } from '../../src/slack/home/refresh-home-tabs.js'
import { tempDir } from '../helpers/test-store.js'
import { AS_OF, PEOPLE, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

const HOUR = 3_600_000

describe('Home chart storage across syncs', () => {
  let t: SlackTestApp
  let now = Date.parse(`${AS_OF}T06:00:00Z`)
  let ctx: SlackContext
  beforeAll(async () => {
    t = await startSlackTestApp({ env: { PULSE_PUBLIC_URL: 'https://pulse.example.com' } })
    ctx = { ...t.slack.ctx, clock: { now: () => new Date(now), asOf: () => AS_OF } }
  })
  afterAll(async () => {
    await t.close()
  })

  const chartRows = async () => (await t.company.store.db.selectFrom('slack_chart_images').select('token_hash').execute()).length
  // The chart URLs of the Home view Slack shows `user` now (the latest it was sent).
  const shownTo = (user: string): string[] => {
    const view = t.fake.views.filter((v) => v.userId === user).at(-1)?.view
    return (view?.blocks ?? []).flatMap((b) => {
      const url = (b as { type?: string; image_url?: string }).image_url
      return (b as { type?: string }).type === 'image' && url ? [url] : []
    })
  }
  const served = async (url: string) =>
    (await findChartImage(t.company.store.db, chartTokenHashOf(url) as string, new Date(now))) !== undefined

  // A sync that brings in one more deal lost in June: the win-rate and losses charts change.
  async function syncLosingOneDeal(i: number): Promise<void> {
    const deal = await t.company.store.db
      .selectFrom('deals')
      .selectAll()
      .where('outcome', '=', 'open')
      .where('created_date', '<', '2024-06-01')
      .orderBy('deal_id')
      .offset(i)
      .limit(1)
      .executeTakeFirstOrThrow()
    const header =
      'deal_id,created_date,closed_date,sales_rep_id,owner_email,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'
    const row = [
      deal.deal_id,
      deal.created_date,
      '2024-06-15',
      deal.owner_id,
      deal.owner_email,
      deal.industry,
      deal.region,
      deal.product_type,
      deal.lead_source,
      deal.stage,
      deal.amount,
      'Lost',
    ]
    const csv = join(tempDir('pulse-home-charts-'), 'sync.csv')
    writeFileSync(csv, `${header}\n${row.join(',')}\n`)
    expect((await importCsvFile(t.company.store, { path: csv, stages: DEFAULT_STAGES })).updated).toBe(1)
  }

  it('keeps the charts shown now and those just superseded, not every chart of the last 7 days', async () => {
    expect(ctx.publicUrl).toBeDefined()
    for (const user of [PEOPLE.cro, PEOPLE.manager]) await publishHome(ctx, t.slack.client, user)
    await refreshHomeTabs(ctx, t.slack.client)
    const current = await chartRows()
    expect(current).toBeGreaterThan(1)
    // Rows after each of five syncs.
    const counts: number[] = []
    const seen = new Set(shownTo(PEOPLE.cro).concat(shownTo(PEOPLE.manager)))
    let before = shownTo(PEOPLE.cro)
    for (let i = 0; i < 5; i++) {
      now += 4 * HOUR
      await syncLosingOneDeal(i)
      await refreshHomeTabs(ctx, t.slack.client)
      counts.push(await chartRows())
      const shown = shownTo(PEOPLE.cro).concat(shownTo(PEOPLE.manager))
      for (const url of shown) seen.add(url)
      // Every chart on a Home tab is served; so is the one it just replaced (a client may still show it).
      for (const url of shown) expect(await served(url), url).toBe(true)
      for (const url of before) expect(await served(url), url).toBe(true)
      expect(shownTo(PEOPLE.cro)).not.toEqual(before)
      before = shownTo(PEOPLE.cro)
    }
    // Each sync changed the company's two charts at least: kept for 7 days, every one of them would
    // add its rows. Kept until nothing shows them: the current charts and one superseded set at most.
    expect(seen.size).toBeGreaterThan(current)
    expect(Math.max(...counts)).toBeLessThanOrEqual(2 * current)
    expect((counts[4] as number) - (counts[0] as number)).toBeLessThan(2 * 4)
  }, 60_000)

  it('keeps a superseded chart while a published Home view still shows it (its republish failed)', async () => {
    const db = t.company.store.db
    const old = await hostChartImage(ctx, Buffer.from('\x89PNG a chart no snapshot names'))
    const hash = chartTokenHashOf(old as string) as string
    await saveHomeView(db, { slackUserId: 'UOLDVIEW01', role: 'rep', blockCount: 3, hash: null, at: new Date(now), chartHashes: [hash] })
    now += 5 * HOUR
    await pruneChartImages(ctx)
    now += 5 * HOUR
    await pruneChartImages(ctx)
    expect(await served(old as string)).toBe(true)
    // Once that view shows other charts, the chart goes after its grace.
    await saveHomeView(db, { slackUserId: 'UOLDVIEW01', role: 'rep', blockCount: 3, hash: null, at: new Date(now), chartHashes: [] })
    await pruneChartImages(ctx)
    expect(await served(old as string)).toBe(true)
    now += UNREFERENCED_CHART_GRACE_MS
    await pruneChartImages(ctx)
    expect(await served(old as string)).toBe(false)
    await db.deleteFrom('slack_home_views').where('slack_user_id', '=', 'UOLDVIEW01').execute()
  })
})
