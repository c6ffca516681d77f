import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { openStore, type Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

// contract.md, Environment: PULSE_AS_OF pins "today". A re-import that shows a deal in a new
// stage, with no date for the change in the row (the public export has none), records the
// change as happening today: the pinned day, not the machine's clock.
const HEADER = 'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'
const FIRST = `${HEADER}\nU1,2024-01-01,,r1,SaaS,EMEA,Core,Inbound,Qualified,100,Open\n`
const SECOND = `${HEADER}\nU1,2024-01-01,,r1,SaaS,EMEA,Core,Inbound,Proposal,100,Open\n`

async function stays(store: Store) {
  return store.db
    .selectFrom('stage_history')
    .select(['stage', 'entered_at', 'left_at'])
    .where('deal_id', '=', 'U1')
    .orderBy('entered_at')
    .execute()
}

const EXPECTED = [
  { stage: 'Qualified', entered_at: '2024-01-01', left_at: '2024-02-15' },
  { stage: 'Proposal', entered_at: '2024-02-15', left_at: null },
]

describe('contract: PULSE_AS_OF and pulse ingest', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('records a stage change seen on re-import on the pinned day', async () => {
    vi.stubEnv('PULSE_AS_OF', '2024-02-15')
    const db = join(tempDir(), 'p.db')
    expect((await runCli('ingest', '--csv', writeTempFile('a.csv', FIRST), '--db', db)).code).toBe(0)
    expect((await runCli('ingest', '--csv', writeTempFile('b.csv', SECOND), '--db', db)).code).toBe(0)
    const store = await openStore({ path: db })
    try {
      expect(await stays(store)).toEqual(EXPECTED)
    } finally {
      await store.close()
    }
  })
})

describeEachDialect('importCsvFile with a pinned today', (dialect) => {
  it('dates a stage change without a date in the row on that day', async () => {
    const store = await dialect.open()
    try {
      const stages = ['Qualified', 'Demo', 'Proposal', 'Negotiation', 'Closed']
      await importCsvFile(store, { path: writeTempFile('a.csv', FIRST), stages, today: '2024-02-15' })
      await importCsvFile(store, { path: writeTempFile('b.csv', SECOND), stages, today: '2024-02-15' })
      expect(await stays(store)).toEqual(EXPECTED)
    } finally {
      await store.close()
    }
  })
})
