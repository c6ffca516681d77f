import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_STAGES, loadConfig } from '../../src/config.js'
import { monthRange } from '../../src/domain/dates.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { EMPTY_ROSTER } from '../../src/slack/access/load-roster.js'
import { checkWinRateAnomaly } from '../../src/slack/alerts/check-winrate-anomaly.js'
import { createPulseServices } from '../../src/slack/app/create-pulse-services.js'
import { createSlackContext } from '../../src/slack/app/create-slack-app.js'
import { drainOutbox } from '../../src/slack/outbox/drain-outbox.js'
import { SlackFake } from '../fakes/slack-fake.js'
import { openTestStore, tempDir } from '../helpers/test-store.js'

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const o of open.splice(0)) await o.close()
})

/** 84 won of 250 closed in each of 12 months, then June 2024: 67 won of 270 (24.8%), just below its 25.0% limit. */
function dealsCsv(): string {
  const rows = ['deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome']
  let id = 0
  const month = (m: string, won: number, n: number) => {
    for (let i = 0; i < n; i++) {
      id++
      rows.push(`D${id},${m}-01,${m}-15,rep_1,SaaS,EMEA,Core,Inbound,${i < won ? 'Closed,20000,Won' : 'Demo,20000,Lost'}`)
    }
  }
  for (const m of monthRange('2023-06', '2024-05')) month(m, 84, 250)
  month('2024-06', 67, 270)
  return `${rows.join('\n')}\n`
}

describe('win-rate anomaly alert figures', () => {
  it('states the rate in its notification text as its evidence does, with the decimal that tells it from the limit', async () => {
    const dir = tempDir('pulse-anomaly-')
    const csv = join(dir, 'deals.csv')
    writeFileSync(csv, dealsCsv())
    const store = await openTestStore()
    await importCsvFile(store, { path: csv, stages: DEFAULT_STAGES })
    const fake = await new SlackFake({ users: [] }).start()
    open.push({ close: () => fake.stop() }, { close: () => store.close() })
    const config = loadConfig({
      SLACK_BOT_TOKEN: fake.token,
      SLACK_API_URL: fake.apiUrl,
      PULSE_AS_OF: '2024-07-20',
      PULSE_ALERT_CHANNEL: 'C0ALERTS01',
    })
    const logger = silentLogger()
    const ctx = createSlackContext({
      store,
      config,
      logger,
      roster: EMPTY_ROSTER,
      services: createPulseServices({ store, config, logger }),
      clock: { now: () => new Date(), asOf: () => '2024-07-20' },
      retries: 0,
    })
    const check = await checkWinRateAnomaly(ctx, '2024-07-20')
    expect(check.month?.anomaly).toBe('low')
    await drainOutbox(ctx, { kinds: ['anomaly'] })
    const post = fake.messages.find((m) => m.channel === 'C0ALERTS01' && m.threadTs === undefined)
    const evidence = JSON.stringify(post?.blocks)
    expect(evidence).toContain('*24.8%* won in June 2024')
    expect(evidence).toContain('Normal range 25.0%-')
    expect(post?.text).toBe('Win rate fell below its normal range in June 2024: 24.8% vs 34% expected.')
  })
})
