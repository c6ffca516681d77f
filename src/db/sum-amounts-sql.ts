import { type RawBuilder, sql } from 'kysely'

/**
 * The SQL sum of an amount expression (a `deals.amount`, a rollup row's summed `amount`, or a
 * `case` giving one or 0) on SQLite and PostgreSQL alike: each amount in whole cents, half a cent
 * up as its decimals read (the same double-precision steps as `amountInCents`), the cents
 * added, the total in currency units again; null over no rows. Whole cents add up exactly in
 * whatever order each database reads the rows, so the two report the same figure (`roundMoney`
 * still takes sums past $10^13 to 15 significant digits). The analytics rollup stores its sums of
 * cents the same way, so reading it or `deals` gives the same figure.
 * @example sql`coalesce(${sumAmountsSql(sql`amount`)}, 0)`
 */
export function sumAmountsSql(amount: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`(sum(floor((floor((${amount}) * 1000000 + 0.5) + 5000) / 10000)) / 100)`
}
