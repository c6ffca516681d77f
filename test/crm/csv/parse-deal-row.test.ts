import { describe, expect, it } from 'vitest'
import { resolveColumns } from '../../../src/crm/csv/csv-columns.js'
import { parseDealRow } from '../../../src/crm/csv/parse-deal-row.js'

const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'.split(',')
const layout = resolveColumns(HEADER)
const GOOD = 'D1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Open'.split(',')

describe('parseDealRow', () => {
  it('accepts a row with as many fields as the header, and empty fields past its end', () => {
    expect(parseDealRow(GOOD, layout).ok).toBe(true)
    expect(parseDealRow([...GOOD, '', ' '], layout).ok).toBe(true)
  })

  it('refuses a row with fewer fields than the header, saying so instead of blaming a column', () => {
    const parsed = parseDealRow(GOOD.slice(0, 6), layout)
    expect(parsed).toEqual({ ok: false, reason: 'the row has 6 fields but the header has 11' })
  })

  it('refuses a row with extra values (an unquoted comma shifts every later column)', () => {
    // "12,500" unquoted: the amount column reads "12" and the outcome column "500".
    const shifted = 'D1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,12,500,Open'.split(',')
    const parsed = parseDealRow(shifted, layout)
    expect(parsed.ok).toBe(false)
    expect(parsed.ok ? '' : parsed.reason).toMatch(
      /^the row has 12 fields but the header has 11: a separator \(a comma, say\) inside a value that is not quoted\?/,
    )
  })

  it('points at a quote that is never closed when a short row holds a value spanning lines', () => {
    const swallowed = ['D1', '2024-01-02', '', 'rep_1', 'SaaS,EMEA\nD2,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Open\n']
    const parsed = parseDealRow(swallowed, layout)
    expect(parsed.ok ? '' : parsed.reason).toMatch(/a quote opened in this row is never closed/)
  })

  it('does not count empty header columns at the end against short rows', () => {
    const trailing = resolveColumns([...HEADER, '', ''])
    expect(parseDealRow(GOOD, trailing).ok).toBe(true)
  })

  it('says "a lost deal" and "an open deal" when the stage is empty', () => {
    const lost = parseDealRow('D1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,,100,Lost'.split(','), layout)
    const open = parseDealRow('D1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,,100,Open'.split(','), layout)
    expect(lost).toEqual({ ok: false, reason: 'deal_stage is empty for a lost deal' })
    expect(open).toEqual({ ok: false, reason: 'deal_stage is empty for an open deal' })
  })
})
