import { join } from 'node:path'
import { sql } from 'kysely'
import { beforeAll, describe, expect, it } from 'vitest'
import { SLOW_REPORT_DEALS } from '../../src/cli/commands/run-report-command.js'
import { openStore } from '../../src/db/open-store.js'
import { refreshAnalyticsRollup } from '../../src/db/refresh-analytics-rollup.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const CSV = `deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome
A1,2024-01-03,2024-02-10,rep_1,SaaS,EMEA,Core,Inbound,Closed,12000,Won
A2,2024-01-04,2024-03-11,rep_1,SaaS,EMEA,Core,Inbound,Proposal,5000,Lost
A3,2024-02-05,,rep_2,FinTech,APAC,Pro,Referral,Demo,60000,Open
`
const NOTE =
  /^Reading all [\d,]+ deals for this report, which may take several seconds: the stored summaries answer only reports as of the newest date in the data with at most one --where\.$/m

let small: string
let large: string

// A store of SLOW_REPORT_DEALS deals: the small file's deals, copied under new ids, then the summaries rebuilt.
beforeAll(async () => {
  small = join(tempDir(), 'small.db')
  large = join(tempDir(), 'large.db')
  const csv = writeTempFile('d.csv', CSV)
  for (const db of [small, large]) expect((await runCli('ingest', '--csv', csv, '--db', db)).code).toBe(0)
  const store = await openStore({ path: large })
  try {
    const columns = (await sql<{ name: string }>`select name from pragma_table_info('deals')`.execute(store.db)).rows.map((r) => r.name)
    const copied = columns.map((c) => (c === 'deal_id' ? sql`'G' || n.i || '-' || d.deal_id` : sql.ref(`d.${c}`)))
    await sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${Math.ceil(SLOW_REPORT_DEALS / 3)})
      insert into deals (${sql.join(columns.map((c) => sql.ref(c)))}) select ${sql.join(copied)} from n cross join deals d where d.deal_id like 'A%'`.execute(
      store.db,
    )
    await sql`update meta set value = 'copied' where key = 'data_version'`.execute(store.db)
    expect(await refreshAnalyticsRollup(store)).toBe(true)
  } finally {
    await store.close()
  }
}, 60_000)

describe('a report on a large store that the stored summaries cannot answer', () => {
  it('says first on stderr that it reads every deal, and only then', async () => {
    const today = await runCli('report', 'winrate', '--db', large, '--json')
    expect(today.code, today.stderr).toBe(0)
    expect(today.stderr).not.toMatch(NOTE)
    const oneWhere = await runCli('report', 'drivers', '--db', large, '--where', 'region=EMEA', '--json')
    expect(oneWhere.stderr).not.toMatch(NOTE)

    const past = await runCli('report', 'stalled', '--db', large, '--as-of', '2024-02-20', '--json')
    expect(past.code, past.stderr).toBe(0)
    expect(past.stderr).toMatch(NOTE)
    expect(past.stderr).toContain(`Reading all ${(Math.ceil(SLOW_REPORT_DEALS / 3) * 3 + 3).toLocaleString('en-US')} deals`)
    // stdout holds the report alone.
    expect(JSON.parse(past.stdout).asOf).toBe('2024-02-20')
    const twoWheres = await runCli('report', 'losses', '--db', large, '--where', 'region=EMEA', '--where', 'industry=SaaS', '--json')
    expect(twoWheres.stderr).toMatch(NOTE)
  }, 60_000)

  it('says nothing before win rate, losses or drivers as of an earlier day: the summaries count deals by month for any day', async () => {
    for (const args of [['winrate'], ['losses', '--where', 'region=EMEA'], ['drivers']]) {
      const past = await runCli('report', ...args, '--db', large, '--as-of', '2024-02-20', '--json')
      expect(past.code, past.stderr).toBe(0)
      expect(past.stderr).not.toMatch(NOTE)
    }
    // Drivers with a --where count the segments from the deals.
    const filtered = await runCli('report', 'drivers', '--db', large, '--as-of', '2024-02-20', '--where', 'region=EMEA', '--json')
    expect(filtered.stderr).toMatch(NOTE)
  }, 60_000)

  it('says the summaries are out of date, not that the report asks too much, once an upgrade or a sync cut short set them aside', async () => {
    const store = await openStore({ path: large })
    try {
      await sql`update meta set value = 'upgrade:2024-06-01T00:00:00.000Z' where key = 'data_version'`.execute(store.db)
    } finally {
      await store.close()
    }
    const today = await runCli('report', 'winrate', '--db', large, '--json')
    expect(today.code, today.stderr).toBe(0)
    expect(today.stderr).toContain(
      'which may take several seconds: the stored summaries are out of date (an upgrade or a sync cut short set them aside) until `pulse serve` starts or the next import or sync rebuilds them.',
    )
    expect(today.stderr).not.toMatch(NOTE)
    expect(JSON.parse(today.stdout).months.length).toBeGreaterThan(0)
    const rebuilt = await openStore({ path: large })
    try {
      expect(await refreshAnalyticsRollup(rebuilt)).toBe(true)
    } finally {
      await rebuilt.close()
    }
    expect((await runCli('report', 'winrate', '--db', large, '--json')).stderr).not.toContain('Reading all')
  }, 60_000)

  it('says nothing on a small store, where the same report is quick', async () => {
    const past = await runCli('report', 'stalled', '--db', small, '--as-of', '2024-02-20', '--json')
    expect(past.code, past.stderr).toBe(0)
    expect(past.stderr).not.toMatch(NOTE)
  })
})
