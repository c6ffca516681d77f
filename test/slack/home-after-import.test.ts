import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { loadHomeSnapshot } from '../../src/slack/home/home-snapshot.js'
import { tempDir } from '../helpers/test-store.js'
import { AS_OF, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

describe('Home snapshot and imports', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp()
  })
  afterAll(async () => {
    await t.close()
  })

  it('shows the figures of a CSV import made since the snapshot, the same day, not the ones before it', async () => {
    const ctx = t.slack.ctx
    const before = await loadHomeSnapshot(ctx, null, AS_OF)
    const top = before.stalled.top[0]
    expect(top).toBeDefined()
    // The largest stalled deal had a call today: re-import it with that activity.
    const deal = await t.company.store.db
      .selectFrom('deals')
      .selectAll()
      .where('deal_id', '=', top?.dealId as string)
      .executeTakeFirstOrThrow()
    const header =
      'deal_id,created_date,sales_rep_id,owner_email,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date'
    const row = [
      deal.deal_id,
      deal.created_date,
      deal.owner_id,
      deal.owner_email,
      deal.industry,
      deal.region,
      deal.product_type,
      deal.lead_source,
      deal.stage,
      deal.amount,
      'Open',
      AS_OF,
    ]
    const csv = join(tempDir('pulse-home-import-'), 'update.csv')
    writeFileSync(csv, `${header}\n${row.join(',')}\n`)
    await importCsvFile(t.company.store, { path: csv, stages: DEFAULT_STAGES })
    const after = await loadHomeSnapshot(ctx, null, AS_OF)
    expect(after.stalled.count).toBe(before.stalled.count - 1)
    expect(after.stalled.top.map((d) => d.dealId)).not.toContain(top?.dealId)
    // Unchanged data: the stored figures are reused.
    expect(await loadHomeSnapshot(ctx, null, AS_OF)).toEqual(after)
  })
})
