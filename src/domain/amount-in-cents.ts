/**
 * A deal amount in whole cents, half a cent up, as its decimals read (`1.005` is 101 cents, where
 * `Math.round(1.005 * 100)` gives 100): what every reported sum of amounts adds. Whole cents add
 * up exactly in any order (to 2^53 cents, about $90 trillion), so a sum no longer depends on the
 * order SQLite, PostgreSQL or the analytics rollup reads the deals in. The amount is taken to the
 * nearest millionth first (exact for amounts with up to six decimals under $4 billion, where
 * `amount * 1e6` is within a millionth of its decimal value), then those to the cent; in double
 * precision, with the very steps of the SQL that `sumAmountsSql` (`src/db`) runs, so the rollup
 * and both databases agree on every amount. An amount with at most two decimals is its own cents,
 * so its sums are unchanged.
 * @example amountInCents(60000.1) // 6000010
 * @example amountInCents(1.005) // 101
 */
export function amountInCents(amount: number): number {
  return Math.floor((Math.floor(amount * 1e6 + 0.5) + 5000) / 10000)
}
