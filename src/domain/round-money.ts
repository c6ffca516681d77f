/**
 * Significant digits a reported sum keeps: a double holds 15 to 17 of them, and two orders of
 * adding the same amounts can differ in the last one or two.
 */
export const MONEY_DIGITS = 15

/**
 * A sum of deal amounts rounded to the cent, and to {@link MONEY_DIGITS} significant digits once
 * it reaches 10^13 (where a cent is past the 15th digit). Floating-point addition depends on the
 * order of the terms, and SQLite and PostgreSQL add a column's values in different orders (the
 * rollup too reads the deals in another order on each), so an unrounded sum differs between the
 * two in its last digits (`2566972.64` against `2566972.6400000006`, or `1123456789013566200`
 * against `1123456789013566500` for amounts near 10^17). Rounding every reported sum makes the
 * same data give the same figures on both databases. The sum is rounded to {@link MONEY_DIGITS}
 * significant digits first, where the orders agree: amounts ending in half a cent add up to
 * `1455681.115` in one order and `1455681.1149999998` in another, which straight to the cent
 * would be `1455681.12` on one database and `1455681.11` on the other.
 * @example roundMoney(2566972.6400000006) // 2566972.64
 * @example roundMoney(1455681.1149999998) // 1455681.12, as roundMoney(1455681.115)
 * @example roundMoney(1123456789013566500) // 1123456789013570000
 */
export function roundMoney(amount: number): number {
  if (!Number.isFinite(amount)) return amount
  const cents = Math.round(Number(amount.toPrecision(MONEY_DIGITS)) * 100) / 100
  if (!Number.isFinite(cents)) return amount
  return Math.abs(cents) < 1e13 ? cents : Number(cents.toPrecision(MONEY_DIGITS))
}
