import { describe, expect, it } from 'vitest'
import { toIsoDate } from '../../src/domain/dates.js'

describe('toIsoDate', () => {
  it.each([
    ['2024-03-26', '2024-03-26'],
    ['2024-03-26T10:00:00Z', '2024-03-26'],
    ['2024-03-26 10:00', '2024-03-26'],
    ['2024-03-31T23:30:00-05:00', '2024-03-31'],
    ['2024-04-01T00:30:00+02:00', '2024-04-01'],
    ['2024-04-01T00:30:00.123+0200', '2024-04-01'],
    [' 2024-02-29 ', '2024-02-29'],
  ])('reads %j as the date written, %s', (value, date) => {
    expect(toIsoDate(value)).toBe(date)
  })

  it.each(['2024-02-30', '2023-02-29', '2024-13-01', '2024-03-26T25:00:00Z', '2024-03-26T10:00:00+25:00x', '26/03/2024', '', 'soon'])(
    'refuses %j',
    (value) => {
      expect(toIsoDate(value)).toBeNull()
    },
  )
})
