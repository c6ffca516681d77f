import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openStore } from '../../src/db/open-store.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

// contract.md, Import CSV: created_date is an "ISO date (`2024-03-26`) or ISO date-time".
// ISO 8601 writes an offset as +hh:mm, +hhmm or +hh (PostgreSQL's timestamptz text, for one,
// ends in `+00`), and RFC 3339 (its internet profile) allows a lower-case `t` and `z`.
const HEADER = 'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'

describe('contract: CSV dates written as ISO date-times', () => {
  it.each([
    ['2024-03-26T10:00:00Z', '2024-03-29T23:30:00+02:00'],
    ['2024-03-26 10:00:00+00', '2024-03-29 23:30:00.25+00'],
    ['2024-03-26T10:00:00-05', '2024-03-29T23:30:00+0530'],
    ['2024-03-26t10:00:00z', '2024-03-29t23:30:00-08'],
  ])('imports created %j / closed %j with the dates as written', async (created, closed) => {
    const db = join(tempDir(), 'p.db')
    const csv = writeTempFile('d.csv', `${HEADER}\nD1,${created},${closed},rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Lost\n`)
    const run = await runCli('ingest', '--csv', csv, '--db', db, '--json')
    expect(run.stderr).toBe('')
    expect(JSON.parse(run.stdout)).toMatchObject({ read: 1, inserted: 1, rejected: 0 })
    const store = await openStore({ path: db })
    try {
      const deal = await store.db.selectFrom('deals').select(['created_date', 'closed_date']).executeTakeFirstOrThrow()
      expect(deal).toEqual({ created_date: '2024-03-26', closed_date: '2024-03-29' })
    } finally {
      await store.close()
    }
  })
})
