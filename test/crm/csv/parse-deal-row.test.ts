import { describe, expect, it } from 'vitest'
import { resolveColumns } from '../../../src/crm/csv/csv-columns.js'
import { decimalMarkOf, parseDealRow } from '../../../src/crm/csv/parse-deal-row.js'

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

  it('quarantines an id, email, segment value or stage name over 1,000 bytes, naming the column', () => {
    const row = (index: number, value: string, header = HEADER) => {
      const f = [...GOOD]
      f[index] = value
      const r = parseDealRow(f, resolveColumns(header))
      return r.ok ? 'ok' : r.reason
    }
    expect(row(0, 'd'.repeat(1000))).toBe('ok')
    expect(row(0, 'd'.repeat(1001))).toBe('deal_id is 1,001 bytes long; an id, email, segment value or stage name may be at most 1,000')
    expect(row(5, 'é'.repeat(501))).toMatch(/^region is 1,002 bytes long/)
    expect(row(8, 'S'.repeat(2000))).toMatch(/^deal_stage is 2,000 bytes long/)
    expect(row(11, `Qualified@2024-01-02;${'S'.repeat(1500)}@2024-01-03`, [...HEADER, 'stage_history'])).toMatch(
      /^a stage in stage_history is 1,500 bytes long/,
    )
  })

  it('says "a lost deal" and "an open deal" when the stage is empty', () => {
    const lost = parseDealRow('D1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,,100,Lost'.split(','), layout)
    const open = parseDealRow('D1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,,100,Open'.split(','), layout)
    expect(lost).toEqual({ ok: false, reason: 'deal_stage is empty for a lost deal' })
    expect(open).toEqual({ ok: false, reason: 'deal_stage is empty for an open deal' })
  })
})

describe('numbers in a row', () => {
  const withAmount = (amount: string, cycle = '') =>
    parseDealRow(
      [...'D1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo'.split(','), amount, 'Open', cycle],
      resolveColumns([...HEADER, 'sales_cycle_days']),
    )
  it('reads every plain decimal form of an amount, and -0 as zero', () => {
    const read = (a: string) => {
      const r = withAmount(a)
      return r.ok ? r.deal.amount : r.reason
    }
    expect(['100', '+100', '.5', '1e3', '1.5E+4', '100.', '$1,234.50', '€ 99', '-0', '-0.00'].map(read)).toEqual([
      100, 100, 0.5, 1000, 15000, 100, 1234.5, 99, 0, 0,
    ])
    expect(read('-5')).toContain('is negative')
    expect(read('0x10')).toContain('is not a number')
    expect(read('1.234,50')).toContain('is not a number')
  })

  it('reads an amount with a currency sign or ISO code before or after it, as CRM reports export them', () => {
    const read = (a: string) => {
      const r = withAmount(a)
      return r.ok ? r.deal.amount : r.reason
    }
    expect(
      ['USD 45,203', 'USD 45,203.00', '5,714 USD', '1,250.50 EUR', '₹4,253', '¥120000', 'US$1,000', '1,234 €', '-USD 0'].map(read),
    ).toEqual([45203, 45203, 5714, 1250.5, 4253, 120000, 1000, 1234, 0])
    // Three capitals that are no currency, a code alone, a negative with a code: not amounts.
    expect(read('100 MIL')).toBe('deal_amount "100 MIL" is not a number (write it as 4253.50, $4,253.50 or USD 4,253.50)')
    expect(read('USD')).toContain('is not a number')
    expect(read('-USD 5')).toBe('deal_amount "-USD 5" is negative')
  })

  it('says a negative amount with its minus after the currency is negative, not that it is no number', () => {
    const read = (a: string) => {
      const r = withAmount(a)
      return r.ok ? r.deal.amount : r.reason
    }
    expect(['$-5', 'USD -5', '€ -1,250.00', '$-0', 'USD -0'].map(read)).toEqual([
      'deal_amount "$-5" is negative',
      'deal_amount "USD -5" is negative',
      'deal_amount "€ -1,250.00" is negative',
      0,
      0,
    ])
  })

  it('still quarantines a one-group amount with a currency after it in a semicolon-separated file (12.500 or 12,5?)', () => {
    const r = parseDealRow(
      ['D1', '2024-01-02', '', 'rep_1', 'SaaS', 'EMEA', 'Core', 'Inbound', 'Demo', '12.500 EUR', 'Open'],
      resolveColumns(HEADER, new Map(), ';'),
    )
    expect(r.ok ? r.deal.amount : r.reason).toMatch(/^deal_amount "12.500 EUR" could mean 12500 or 12.5/)
    // So is one with a plus sign, before or after its currency.
    for (const amount of ['+12.500', '€+12.500', '+€12,500']) {
      const signed = parseDealRow(
        ['D1', '2024-01-02', '', 'rep_1', 'SaaS', 'EMEA', 'Core', 'Inbound', 'Demo', amount, 'Open'],
        resolveColumns(HEADER, new Map(), ';'),
      )
      expect(signed.ok ? signed.deal.amount : signed.reason).toMatch(/could mean 12500 or 12.5/)
    }
  })

  it('tells the decimal mark from an amount only when it can be read one way (decimalMarkOf)', () => {
    const dot = ['12.50', '.5', '3.14159', '1250.000', '$1,250.00', 'USD 1,250,000', '+7.5', '1,250.']
    const comma = ['12,50', ',5', '1.250,00 €', '1.250.000', 'EUR 3,14159', '1250,000']
    const neither = ['4253', '12.500', '€1,250', '1e3', 'abc', '', '1.2.3', '12,5,0']
    expect(dot.map(decimalMarkOf)).toEqual(dot.map(() => '.'))
    expect(comma.map(decimalMarkOf)).toEqual(comma.map(() => ','))
    expect(neither.map(decimalMarkOf)).toEqual(neither.map(() => null))
    // A tab-separated file is read as from a decimal-comma locale unless its amounts show a dot.
    const row = ['D1', '2024-01-02', '', 'rep_1', 'SaaS', 'EMEA', 'Core', 'Inbound', 'Demo', '12.500', 'Open']
    const amount = (mark: '.' | ',' | null) => {
      const r = parseDealRow(row, resolveColumns(HEADER, new Map(), '\t', mark))
      return r.ok ? r.deal.amount : r.reason.slice(0, 45)
    }
    expect([amount('.'), amount(','), amount(null)]).toEqual([
      12.5,
      'deal_amount "12.500" could mean 12500 or 12.5',
      'deal_amount "12.500" could mean 12500 or 12.5',
    ])
    // The mark a comma- or semicolon-separated file's amounts show changes nothing.
    expect(parseDealRow(row, resolveColumns(HEADER, new Map(), ',', ',')).ok).toBe(true)
  })

  it('quarantines an amount larger than any deal (1e308 overflows every sum of amounts)', () => {
    const read = (a: string) => {
      const r = withAmount(a)
      return r.ok ? r.deal.amount : r.reason
    }
    expect(read('1e18')).toBe(1e18)
    expect(read('1e308')).toBe('deal_amount "1e308" is larger than any deal (the most is 10^18)')
    expect(read('99999999999999999999')).toContain('is larger than any deal')
  })

  it('reads sales_cycle_days as a plain decimal number only', () => {
    const cycle = (c: string) => {
      const r = withAmount('100', c)
      return r.ok ? r.deal.salesCycleDays : r.reason
    }
    expect(cycle('30')).toBe(30)
    expect(cycle('1e2')).toBe(100)
    expect(cycle('0x10')).toContain('is not a non-negative number')
    expect(cycle('0b11')).toContain('is not a non-negative number')
    expect(cycle('-3')).toContain('is not a non-negative number')
    expect(cycle('36500')).toBe(36500)
    expect(cycle('3000000000')).toBe('sales_cycle_days "3000000000" is more than 100 years (36,500 days)')
    expect(cycle('1e300')).toContain('is more than 100 years')
  })
})

describe('the stage a lost deal was lost at, with a stage_history', () => {
  const withHistory = resolveColumns([...HEADER, 'stage_history'])
  const row = (stage: string, outcome: string, history: string) =>
    parseDealRow(
      ['D1', '2024-01-02', '2024-02-01', 'rep_1', 'SaaS', 'EMEA', 'Core', 'Inbound', stage, '100', outcome, history],
      withHistory,
    )
  const stageOf = (parsed: ReturnType<typeof parseDealRow>) => (parsed.ok ? parsed.deal.stage : parsed.reason)

  it('is the last open stage of the history when deal_stage names the closed stage (a CRM export)', () => {
    const history = 'Qualified@2024-01-02;Demo@2024-01-10;Proposal@2024-01-20;Closed Lost@2024-02-01'
    expect(stageOf(row('Closed Lost', 'Lost', history))).toBe('Proposal')
    expect(stageOf(row('Closed', 'Lost', 'Qualified@2024-01-02;Demo@2024-01-10;Closed@2024-02-01'))).toBe('Demo')
  })

  it('reads a history listed newest first (as CRMs list it) as the same stays in date order', () => {
    const oldestFirst = 'Qualified@2024-01-02;Demo@2024-01-10;Demo Again@2024-01-10;Proposal@2024-01-20;Closed Lost@2024-02-01'
    const newestFirst = 'Closed Lost@2024-02-01;Proposal@2024-01-20;Demo Again@2024-01-10;Demo@2024-01-10;Qualified@2024-01-02'
    const a = row('Closed Lost', 'Lost', oldestFirst)
    const b = row('Closed Lost', 'Lost', newestFirst)
    expect(stageOf(b)).toBe('Proposal')
    expect(b.ok && b.history).toEqual(a.ok && a.history)
    expect(b.ok && b.history?.map((h) => [h.stage, h.enteredAt, h.leftAt])).toEqual([
      ['Qualified', '2024-01-02', '2024-01-10'],
      ['Demo', '2024-01-10', '2024-01-10'],
      ['Demo Again', '2024-01-10', '2024-01-20'],
      ['Proposal', '2024-01-20', '2024-02-01'],
      ['Closed Lost', '2024-02-01', null],
    ])
  })

  it('reads a history all on one day newest first when it starts at deal_stage or a closed end', () => {
    const stays = (parsed: ReturnType<typeof parseDealRow>) => (parsed.ok ? parsed.history?.map((h) => [h.stage, h.leftAt]) : parsed.reason)
    const day = (entries: string) => entries.replace(/;/g, '@2024-02-01;').concat('@2024-02-01')
    // Lost the day it was created: lost at Negotiation, whichever way the history is listed.
    const lostNewestFirst = row('Closed Lost', 'Lost', day('Closed Lost;Negotiation;Proposal;Qualified'))
    expect(stageOf(lostNewestFirst)).toBe('Negotiation')
    expect(stageOf(row('Closed Lost', 'Lost', day('Qualified;Proposal;Negotiation;Closed Lost')))).toBe('Negotiation')
    // Won the same day: the won end is the stay left open, not Qualified.
    expect(stays(row('Closed', 'Won', day('Closed Won;Negotiation;Qualified')))).toEqual([
      ['Qualified', '2024-02-01'],
      ['Negotiation', '2024-02-01'],
      ['Closed Won', null],
    ])
    // An open deal moved on the day it was created: its open stay is the stage it is in.
    const open = (history: string) =>
      parseDealRow(['D1', '2024-02-01', '', 'rep_1', 'SaaS', 'EMEA', 'Core', 'Inbound', 'proposal', '100', 'Open', history], withHistory)
    for (const history of [day('Proposal;Demo;Qualified'), day('Qualified;Demo;Proposal')]) {
      const parsed = open(history)
      expect(stays(parsed)).toEqual([
        ['Qualified', '2024-02-01'],
        ['Demo', '2024-02-01'],
        ['Proposal', null],
      ])
      expect(parsed.ok && parsed.deal.stageEnteredDate).toBe('2024-02-01')
    }
  })

  it('stays deal_stage when that names an open stage, or when the history has no open stage', () => {
    expect(stageOf(row('Demo', 'Lost', 'Qualified@2024-01-02;Proposal@2024-01-20;Closed Lost@2024-02-01'))).toBe('Demo')
    expect(stageOf(row('Closed Lost', 'Lost', 'Closed Lost@2024-02-01'))).toBe('Closed Lost')
    expect(stageOf(row('Closed Won', 'Won', 'Qualified@2024-01-02;Closed Won@2024-02-01'))).toBe('Closed Won')
  })
})

describe('a stage dated before the deal was created', () => {
  const header = resolveColumns([...HEADER, 'stage_entered_date', 'stage_history'])
  const row = (entered: string, history: string) =>
    parseDealRow(['D1', '2024-02-01', '', 'rep_1', 'SaaS', 'EMEA', 'Core', 'Inbound', 'Demo', '100', 'Open', entered, history], header)

  it('counts the stage from the created date and flags the row, so time in stage is never longer than the age', () => {
    const parsed = row('2023-11-15', '')
    expect(parsed.ok && [parsed.deal.stageEnteredDate, parsed.stageBeforeCreated]).toEqual(['2024-02-01', true])
  })

  it('moves stays that begin or end before the created date to it, keeping the later ones as written', () => {
    const parsed = row('', 'Qualified@2023-10-01;Demo@2024-01-10')
    expect(parsed.ok && parsed.history?.map((s) => [s.stage, s.enteredAt, s.leftAt])).toEqual([
      ['Qualified', '2024-02-01', '2024-02-01'],
      ['Demo', '2024-02-01', null],
    ])
    expect(parsed.ok && [parsed.deal.stageEnteredDate, parsed.stageBeforeCreated]).toEqual(['2024-02-01', true])
    const later = row('', 'Qualified@2023-12-01;Demo@2024-02-10')
    expect(later.ok && later.history?.map((s) => [s.stage, s.enteredAt, s.leftAt])).toEqual([
      ['Qualified', '2024-02-01', '2024-02-10'],
      ['Demo', '2024-02-10', null],
    ])
  })

  it('leaves a row dated on or after its creation as written, unflagged', () => {
    const parsed = row('2024-02-01', 'Qualified@2024-02-01;Demo@2024-02-05')
    expect(parsed.ok && [parsed.deal.stageEnteredDate, parsed.stageBeforeCreated]).toEqual(['2024-02-01', false])
    expect(parsed.ok && parsed.history?.map((s) => s.enteredAt)).toEqual(['2024-02-01', '2024-02-05'])
  })
})
