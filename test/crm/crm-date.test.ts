import { describe, expect, it } from 'vitest'
import { crmDate } from '../../src/crm/crm-date.js'

describe('crmDate', () => {
  it.each([
    // An instant is the day it was where the team is.
    ['2024-04-01T01:30:00.000Z', 'America/Los_Angeles', '2024-03-31'],
    ['2024-04-01T01:30:00.000Z', 'UTC', '2024-04-01'],
    ['2024-03-31T19:00:00.000Z', 'Asia/Kolkata', '2024-04-01'],
    ['2024-03-31T10:00:00.000Z', 'Pacific/Kiritimati', '2024-04-01'],
    ['2024-05-01T03:03:41.000+0000', 'America/Los_Angeles', '2024-04-30'],
    ['2024-03-31T23:30:00-05:00', 'UTC', '2024-04-01'],
    ['1711935000000', 'America/Los_Angeles', '2024-03-31'],
    // Around the clock changes in Los Angeles (March 10 and November 3, 2024).
    ['2024-03-10T07:59:00.000Z', 'America/Los_Angeles', '2024-03-09'],
    ['2024-03-10T10:30:00.000Z', 'America/Los_Angeles', '2024-03-10'],
    ['2024-11-03T06:59:00.000Z', 'America/Los_Angeles', '2024-11-02'],
    ['2024-11-03T08:30:00.000Z', 'America/Los_Angeles', '2024-11-03'],
    ['2024-11-04T07:59:00.000Z', 'America/Los_Angeles', '2024-11-03'],
    // A date, midnight UTC (a date as HubSpot stores one) and a date-time without offset: as written.
    ['2024-06-28', 'America/Los_Angeles', '2024-06-28'],
    ['2024-06-28T00:00:00Z', 'America/Los_Angeles', '2024-06-28'],
    ['2024-06-28T00:00:00.000+0000', 'America/Los_Angeles', '2024-06-28'],
    ['1719532800000', 'America/Los_Angeles', '2024-06-28'],
    ['2024-03-10 10:00', 'Asia/Kolkata', '2024-03-10'],
    // An offset of whole hours written without minutes is an offset all the same.
    ['2024-03-31T23:30:00-05', 'UTC', '2024-04-01'],
    ['2024-03-31 23:30:00+00', 'Asia/Kolkata', '2024-04-01'],
    ['2024-03-31T23:30:00.000+0530', 'UTC', '2024-03-31'],
  ])('%s in %s is %s', (value, zone, day) => {
    expect(crmDate(value, zone)).toBe(day)
  })

  it.each(['', 'soon', '2024-02-30T10:00:00Z', '2025-02-29T10:00:00.000+0000', '99999999999999999'])('%j is no date', (value) => {
    expect(crmDate(value, 'Asia/Kolkata')).toBeNull()
    expect(crmDate(value, 'UTC')).toBeNull()
  })
})
