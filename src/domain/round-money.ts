/**
 * A sum of deal amounts rounded to the cent. Floating-point addition depends on the order of the
 * terms, and SQLite and PostgreSQL add a column's values in different orders, so an unrounded sum
 * of amounts with decimals differs between the two in its last digits (`2566972.64` against
 * `2566972.6400000006`). Rounding every reported sum makes the same data give the same figures on
 * both databases.
 * @example roundMoney(2566972.6400000006) // 2566972.64
 */
export function roundMoney(amount: number): number {
  const cents = Math.round(amount * 100) / 100
  return Number.isFinite(cents) ? cents : amount
}
