import { describe, expect, it } from 'vitest'
import { timeZoneChange, timeZoneOf } from '../../src/crm/time-zone-change.js'

describe('timeZoneChange', () => {
  it('names the zone a watermark was read in and the one set now, when they differ', () => {
    expect(timeZoneChange('UTC', 'Europe/Berlin')).toBe('PULSE_TZ "UTC" is now "Europe/Berlin"')
    expect(timeZoneChange('Europe/Berlin', undefined)).toBe('PULSE_TZ "Europe/Berlin" is now "UTC"')
  })

  it('sees no change between spellings of one zone, nor in a watermark that kept no zone (an earlier version)', () => {
    expect(timeZoneChange('UTC', undefined)).toBeNull()
    expect(timeZoneChange('Etc/UTC', 'utc')).toBeNull()
    expect(timeZoneChange('America/Los_Angeles', 'america/los_angeles')).toBeNull()
    expect(timeZoneChange(undefined, 'Europe/Berlin')).toBeNull()
    expect(timeZoneChange(42, 'Europe/Berlin')).toBeNull()
  })

  it('keeps a zone as its canonical name', () => {
    expect(timeZoneOf('europe/berlin')).toBe('Europe/Berlin')
    expect(timeZoneOf()).toBe('UTC')
  })
})
