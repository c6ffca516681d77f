/**
 * The time zone (`PULSE_TZ`) as a watermark keeps it: its canonical IANA name, so that spellings
 * of one zone (`utc`, `Etc/UTC`, `GMT`) compare equal.
 * @example timeZoneOf('europe/berlin') // 'Europe/Berlin'
 */
export function timeZoneOf(timeZone = 'UTC'): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone
  } catch {
    return timeZone
  }
}

/**
 * The change of `PULSE_TZ` since a watermark was stored, in words (`PULSE_TZ "UTC" is now
 * "America/Los_Angeles"`), or null when it is the same zone, or when `was` is not a zone name (a
 * watermark of an earlier version, which did not keep one). Deals stored under the old zone keep
 * the days their timestamps fell on there until read again.
 * @example timeZoneChange('UTC', 'America/Los_Angeles') // 'PULSE_TZ "UTC" is now "America/Los_Angeles"'
 */
export function timeZoneChange(was: unknown, now: string | undefined): string | null {
  if (typeof was !== 'string') return null
  const current = timeZoneOf(now)
  return timeZoneOf(was) === current ? null : `PULSE_TZ "${was}" is now "${current}"`
}
