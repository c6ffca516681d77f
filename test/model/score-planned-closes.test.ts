import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'
import { dealsCsv, FIXTURE_AS_OF, syntheticDeals } from './model-fixtures.js'

// "Today" pinned a few days after the newest record of the synthetic deals (FIXTURE_AS_OF).
const TODAY = '2024-07-25'
const AS_OF = '2024-06-01'
const deals = syntheticDeals({ n: 300, seed: 5, signal: true })
let db: string

beforeAll(async () => {
  process.env.PULSE_AS_OF = TODAY
  db = join(tempDir(), 'p.db')
  const rows = dealsCsv(deals).trimEnd().split('\n')
  rows.push(
    // Recorded won with a close date after every record and after today: a planned close.
    'PLAN1,2024-01-05,2024-08-15,rep_1,rep1@acme.test,SaaS,EMEA,Core,Inbound,Negotiation,50000,,Won,2024-05-01,,',
    // An activity dated ahead (a CRM's next event): nothing has happened after today all the same.
    'NEXT1,2024-07-01,,rep_2,rep2@acme.test,SaaS,EMEA,Core,Inbound,Demo,20000,,Open,2024-09-30,,',
  )
  const ingest = await runCli('ingest', '--csv', writeTempFile('d.csv', `${rows.join('\n')}\n`), '--db', db)
  expect(ingest.code, ingest.stderr).toBe(0)
  const train = await runCli('train', '--db', db, '--as-of', FIXTURE_AS_OF)
  expect(train.code, train.stderr).toBe(0)
})

describe('pulse score --as-of a past day, with a close that is only planned', () => {
  it('counts planned closes apart from the deals closed since, as the stalled report and pulse alerts do', async () => {
    const happened = deals.filter((d) => d.created_date <= AS_OF && d.closed_date !== null && d.closed_date > AS_OF).length
    expect(happened).toBeGreaterThan(1)

    const score = await runCli('score', '--db', db, '--as-of', AS_OF, '--json')
    expect(score.code, score.stderr).toBe(0)
    const json = JSON.parse(score.stdout)
    expect(json.closedSince).toBe(happened + 1)
    expect(json.plannedCloses).toEqual({ count: 1, newestRecord: TODAY })
    const stalled = JSON.parse((await runCli('report', 'stalled', '--db', db, '--as-of', AS_OF, '--json')).stdout)
    expect({ closedSince: json.closedSince, plannedCloses: json.plannedCloses }).toEqual({
      closedSince: stalled.closedSince,
      plannedCloses: stalled.plannedCloses,
    })

    const sentence = `${happened} of the deals open on ${AS_OF} have closed since, and 1 more has a close date after the newest record (${TODAY})`
    const text = await runCli('score', '--db', db, '--as-of', AS_OF, '--limit', '1')
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain(`${sentence}; they are not scored: the store keeps each deal as it is now, not as it was then.`)
    const alerts = await runCli('alerts', '--dry-run', '--db', db, '--as-of', AS_OF)
    expect(alerts.stderr).toContain(`${sentence}; they are not counted`)
  })

  it('as of today, says a deal recorded won with a close date ahead has not closed yet', async () => {
    const json = JSON.parse((await runCli('score', '--db', db, '--json')).stdout)
    expect(json).toMatchObject({ asOf: TODAY, closedSince: 1, plannedCloses: { count: 1, newestRecord: TODAY } })
    const text = (await runCli('score', '--db', db, '--limit', '1')).stdout
    expect(text).toContain(`1 of the deals open on ${TODAY} has a close date after the newest record (${TODAY}); it is not scored`)
    expect(text).not.toContain('closed since')
  })

  it('pulse deal says a close dated after the newest record is planned, and one that happened closed', async () => {
    const planned = JSON.parse((await runCli('deal', 'PLAN1', '--db', db, '--as-of', AS_OF, '--json')).stdout)
    expect(planned).toMatchObject({ dealId: 'PLAN1', healthScore: null })
    expect(planned.reasons).toEqual([
      `Recorded won with a close date of 2024-08-15, after ${AS_OF} and after the newest record (${TODAY}): a planned close, not one that has happened; only deals open now are scored`,
    ])
    const closed = deals.find((d) => d.created_date <= AS_OF && d.closed_date !== null && d.closed_date > AS_OF)
    if (!closed) throw new Error('the fixture has a deal closed after AS_OF')
    const happened = JSON.parse((await runCli('deal', closed.deal_id, '--db', db, '--as-of', AS_OF, '--json')).stdout)
    expect(happened.reasons).toEqual([
      `Closed ${closed.outcome} on ${closed.closed_date}, after ${AS_OF}: only deals open now are scored (the deal as it was on ${AS_OF} is not kept)`,
    ])
  })
})
