import { describe, expect, it } from 'vitest'
import { createRollupBuilder, type RollupDealRecord } from '../../src/domain/create-rollup-builder.js'

const OPEN = ['Qualified', 'Demo', 'Proposal', 'Negotiation']

function deal(over: Partial<RollupDealRecord> = {}): RollupDealRecord {
  return {
    region: 'EMEA',
    industry: 'SaaS',
    product_type: 'Core',
    lead_source: 'Inbound',
    owner_id: 'r1',
    amount_band: '<10k',
    amount: 1000,
    outcome: 'won',
    created_date: '2024-01-10',
    closed_date: '2024-02-20',
    stage: 'Closed',
    lost_at_stage: null,
    stage_entered_date: null,
    last_activity_date: null,
    updated_date: null,
    archived: false,
    ...over,
  }
}

const find = (rows: ReturnType<typeof rowsOf>, kind: string, dims = '') => rows.filter((r) => r[0] === kind && r[1] === dims)
function rowsOf(deals: RollupDealRecord[], stays: Array<[number, string, string, string | null]> = []) {
  const b = createRollupBuilder({ openStages: OPEN, capacity: 2 })
  for (const [i, d] of deals.entries()) b.addDeal(i, d)
  for (const [k, stage, entered, left] of stays) b.addStay(k, stage, entered, left)
  const built = b.finish()
  if (!built) throw new Error('no rollup')
  return built.rows
}

describe('createRollupBuilder', () => {
  it('counts closed deals by close month with amount and days to close, and created deals by created month', () => {
    const rows = rowsOf([
      deal(),
      deal({ outcome: 'lost', stage: 'Demo', lost_at_stage: 'Demo', amount: 500, closed_date: '2024-02-01' }),
      deal({ outcome: 'open', stage: 'Demo', closed_date: null, created_date: '2024-03-05' }),
    ])
    expect(find(rows, 'closed')).toEqual([
      ['closed', '', '', '', '2024-02', '', 1, 1, 1000, 41],
      ['closed', '', '', '', '2024-02', 'Demo', 0, 1, 500, 22],
    ])
    expect(find(rows, 'created')).toEqual([
      ['created', '', '', '', '2024-01', '', 0, 2, 1500, 0],
      ['created', '', '', '', '2024-03', '', 0, 1, 1000, 0],
    ])
  })

  it('leaves archived deals out of the counts but keeps their months in the range', () => {
    const b = createRollupBuilder({ openStages: OPEN })
    b.addDeal(0, deal({ archived: true, created_date: '2023-06-01', closed_date: '2023-07-01' }))
    b.addDeal(1, deal())
    const built = b.finish()
    expect(built?.rows.filter((r) => r[0] === 'created' && r[1] === '').map((r) => [r[4], r[7]])).toEqual([['2024-01', 1]])
    expect(built?.horizon).toBe('2024-02-20')
  })

  it('clips stays at the close, skips a stay that starts after it, and takes the furthest open stage for the funnel', () => {
    const rows = rowsOf(
      [deal()],
      [
        [0, 'Qualified', '2024-01-10', '2024-01-20'],
        [0, 'Proposal', '2024-01-20', '2024-03-01'],
        [0, 'Closed', '2024-03-02', null],
      ],
    )
    expect(find(rows, 'stay_done').map((r) => [r[4], r[6], r[7]])).toEqual([
      ['Qualified', 10, 1],
      ['Proposal', 31, 1],
    ])
    // Won, furthest open stage Proposal (position 2).
    expect(find(rows, 'funnel').map((r) => [r[4], r[5], r[6], r[7]])).toEqual([['won', '', 2, 1]])
  })

  it('clips stays at a close given as a date-time, or as text that is no day, as at a close given as a day', () => {
    const stays: Array<[number, string, string, string | null]> = [
      [0, 'Qualified', '2024-01-10', '2024-01-20'],
      [0, 'Proposal', '2024-01-20T09:00:00Z', '2024-03-01'],
      [0, 'Closed', '2024-03-02', null],
    ]
    const stayRows = (closed_date: string) => find(rowsOf([deal({ closed_date })], stays), 'stay_done').map((r) => [r[4], r[6], r[7]])
    expect(stayRows('2024-02-20')).toEqual([
      ['Qualified', 10, 1],
      ['Proposal', 31, 1],
    ])
    expect(stayRows('2024-02-20T23:00:00-05:00')).toEqual(stayRows('2024-02-20'))
    // A close that names no day of the calendar (2024-02-30) still ends the deal's stays where its
    // text sorts: Date.parse reads it as 2024-03-01, so Proposal runs 41 days, not past it.
    expect(stayRows('2024-02-30')).toEqual([
      ['Qualified', 10, 1],
      ['Proposal', 41, 1],
    ])
    // A stay whose own dates are no days of the calendar is compared as text with the close.
    const odd = rowsOf([deal()], [[0, 'Demo', '2024-02-10', '2024-02-31']])
    expect(find(odd, 'stay_done').map((r) => [r[4], r[6], r[7]])).toEqual([['Demo', 10, 1]])
  })

  it('gives no rollup when the data does not fit it', () => {
    const owners = createRollupBuilder({ openStages: OPEN })
    for (let i = 0; i <= 4096; i++) owners.addDeal(i, deal({ owner_id: `r${i}` }))
    expect(owners.finish()).toBeNull()
    const stages = createRollupBuilder({ openStages: OPEN })
    for (let i = 0; i < 33; i++) stages.addDeal(i, deal({ outcome: 'open', closed_date: null, stage: `S${i}` }))
    expect(stages.finish()).toBeNull()
    const months = createRollupBuilder({ openStages: OPEN })
    months.addDeal(0, deal({ created_date: '1970-01-01', closed_date: '1970-02-01' }))
    months.addDeal(1, deal({ created_date: '2024-01-01', closed_date: '2024-02-01' }))
    expect(months.finish()).toBeNull()
  })

  it('gives an empty rollup for no deals, and grows past its capacity', () => {
    expect(createRollupBuilder({ openStages: OPEN }).finish()).toEqual({ rows: [], horizon: '0000-00-00', history: false })
    const b = createRollupBuilder({ openStages: OPEN, capacity: 1 })
    for (let i = 0; i < 100; i++) b.addDeal(i * 7, deal())
    expect(b.finish()?.rows.find((r) => r[0] === 'created' && r[1] === '')?.[7]).toBe(100)
  })
})
