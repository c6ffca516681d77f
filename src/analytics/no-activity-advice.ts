/**
 * What to do about `count` open deals left out of the stalled figures as of `asOf` because their
 * latest recorded activity is after it, as the sentence after the note (with a leading space).
 * For a past `asOf`, run it as of today; on or after `today` (`PULSE_AS_OF`, else today in
 * `PULSE_TZ`; unknown: taken as later than `asOf`) that advice is moot: the date is a planned
 * activity exported as done, so the advice is to export the last one done.
 * @example noActivityAdvice(1, '2026-06-30', '2026-06-30')
 * // ' Its activity date is after today: a planned activity, not one done (export the last call, email or meeting done as last_activity_date).'
 */
export function noActivityAdvice(count: number, asOf: string, today: string | undefined): string {
  if (today === undefined || asOf < today) return ' Run it as of today for the deals stalled now.'
  return ` ${count === 1 ? 'Its activity date is' : 'Their activity dates are'} after today: a planned activity, not one done (export the last call, email or meeting done as last_activity_date).`
}
