import { AppError } from '../errors.js'

/** The range a whole-number option accepts, and an example of it to suggest. */
export interface WholeNumberRange {
  min: number
  /** Largest value accepted (default: the largest safe integer). */
  max?: number
  /** A working use of the option, suggested in the message (`--deals 6000`). */
  example: string
}

/**
 * Reads a whole-number option: decimal digits only (`0x10`, `1e2` or `-1` is a typo, not 16, 100
 * or -1), spaces around allowed, within the range. Anything else is refused with one sentence
 * naming the option, the value given, the range and an example.
 * @example parseWholeNumber('20', '--limit', { min: 0, example: '--limit 10' }) // 20
 */
export function parseWholeNumber(value: string, name: string, range: WholeNumberRange): number {
  const max = range.max ?? Number.MAX_SAFE_INTEGER
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n) || n < range.min || n > max) {
    const words =
      max === Number.MAX_SAFE_INTEGER
        ? `of at least ${range.min}`
        : `between ${range.min.toLocaleString('en-US')} and ${max.toLocaleString('en-US')}`
    throw new AppError('bad_input', `${name} "${value}" is not a whole number ${words}; try ${range.example}.`)
  }
  return n
}

/**
 * How many rows a listing command shows: `--limit` when given (0: all), else every row with
 * `--json` and `textDefault` in text, as `pulse report stalled` and `pulse score` list them.
 * @example listLimit(undefined, true, 20, '--limit 10') // 0 (all)
 */
export function listLimit(option: string | undefined, json: boolean | undefined, textDefault: number, example: string): number {
  if (option === undefined) return json ? 0 : textDefault
  return parseWholeNumber(option, '--limit', { min: 0, example })
}
