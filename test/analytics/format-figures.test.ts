import { describe, expect, it } from 'vitest'
import { driversReport } from '../../src/analytics/drivers-report.js'
import {
  formatCount,
  formatDeals,
  formatMoney,
  formatMoneyIn,
  formatMonth,
  formatPercent,
  formatPercentsApart,
  formatProbability,
  formatUtcMinute,
  formatWholePercent,
} from '../../src/analytics/format-figures.js'

describe('formatMoney', () => {
  it.each([
    [812, '$812'],
    [4_500, '$4.5k'],
    [45_300, '$45k'],
    [950_000, '$950k'],
    [960_000, '$960k'],
    [999_400, '$999k'],
    [999_600, '$1M'],
    [999_999, '$1M'],
    [21_340_000, '$21.3M'],
    [150_000_000, '$150M'],
    [999_960_000, '$1B'],
    [1_234_567, '$1.2M'],
    [2_000_000, '$2M'],
    [45_600_000, '$45.6M'],
    [3_200_000_000, '$3.2B'],
    [-84_000, '-$84k'],
    [0, '$0'],
    [Number.NaN, '\u2013'],
  ])('%d -> %s', (amount, text) => {
    expect(formatMoney(amount)).toBe(text)
  })
})

describe('formatMoneyIn', () => {
  it.each([
    [960_000, null, '$960k'],
    [84_000, 'usd', '$84k'],
    [999_600, 'EUR', '1M EUR'],
    [1_500_000_000, 'EUR', '1.5B EUR'],
    // A code stored as a CSV or CRM wrote it reads upper-case, as the stalled report writes it.
    [120_000, 'gbp', '120k GBP'],
    [84_000, ' eur ', '84k EUR'],
    [60_000, ' USD', '$60k'],
  ])('%d %s -> %s, in the same short units as formatMoney', (amount, currency, text) => {
    expect(formatMoneyIn(amount, currency)).toBe(text)
  })
})

describe('formatPercentsApart', () => {
  it('adds the decimals that tell a rate from its limit, and only then', () => {
    expect(formatPercentsApart(0.2604, 0.2631)).toEqual(['26.0%', '26.3%'])
    expect(formatPercentsApart(0.26004, 0.26041)).toEqual(['26.00%', '26.04%'])
    expect(formatPercentsApart(0.19, 0.26)).toEqual(['19%', '26%'])
    // A month a hair over its limit is never shown equal to it.
    expect(formatPercentsApart(0.3789474, 0.3789412)).toEqual(['37.895%', '37.894%'])
    expect(formatPercentsApart(null, 0.26)).toEqual(['n/a', '26%'])
    expect(formatPercent(0.045)).toBe('4.5%')
  })
})

describe('formatDeals', () => {
  it('puts the noun in the number its count reads as', () => {
    expect(formatDeals(1, 'closed')).toBe('1 closed deal')
    expect(formatDeals(1.2)).toBe('1 deal')
    expect(formatDeals(0, 'open')).toBe('0 open deals')
    expect(formatDeals(12345)).toBe('12,345 deals')
  })
})

describe('formatCount and formatMonth', () => {
  it('groups thousands as en-US does, and writes a month short', () => {
    expect(formatCount(12_345)).toBe('12,345')
    for (const n of [0, 7, 999, 1000, 1_234_567, -45_000, -0.4, 999.6, 12_345_678_901]) {
      expect(formatCount(n)).toBe(Math.round(n).toLocaleString('en-US'))
    }
    expect(formatCount(Number.NaN)).toBe('\u2013')
    expect(formatMonth('2025-06')).toBe('Jun 2025')
  })
})

describe('formatUtcMinute', () => {
  it('writes an ISO date-time to the minute, in UTC', () => {
    expect(formatUtcMinute('2024-06-01T09:14:22.123Z')).toBe('2024-06-01 09:14 UTC')
  })
})

describe('formatWholePercent', () => {
  it('rounds to a whole percentage, unlike formatPercent below 10%', () => {
    expect([0.1412, 0.045, 0, 1].map(formatWholePercent)).toEqual(['14%', '5%', '0%', '100%'])
    // Only an exact 0 or 1 reads 0% or 100%: a leaf that lost 1 deal of 250 did not win them all.
    expect([0.004, 0.0001, 249 / 250, 0.99999, 55 / 56].map(formatWholePercent)).toEqual(['0.4%', '<0.1%', '99.6%', '>99.9%', '98%'])
    expect(formatPercent(0.045)).toBe('4.5%')
  })
})

describe('formatProbability', () => {
  it.each([
    [0.0004, 'q<0.001'],
    [0.012, 'q=0.012'],
    [0.0496, 'q=0.0496'],
    [0.04996, 'q=0.04996'],
    [0.0499999, 'q<0.05'],
    [0.05, 'q=0.050'],
    [0.0504, 'q=0.050'],
    [0.2, 'q=0.200'],
  ])('%s reads %s, on the same side of 0.05 as the value', (value, text) => {
    expect(formatProbability('q', value)).toBe(text)
  })

  it('never shows a significant driver as q=0.050', () => {
    // Two regions of 100 closed deals, 26 and 39 won: q = 0.0497, just significant.
    const report = driversReport(
      [
        { fields: ['region'], values: ['EMEA'], won: 26, n: 100 },
        { fields: ['region'], values: ['APAC'], won: 39, n: 100 },
      ],
      { asOf: '2024-07-20' },
    )
    const apac = report.findings.find((f) => f.text.startsWith('Deals in APAC'))
    expect(apac?.significant).toBe(true)
    expect(apac?.text).toContain('q=0.0497)')
  })
})
