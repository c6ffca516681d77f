/** Default amount band edges (contract): 10,000 / 50,000 / 100,000. */
export const AMOUNT_BAND_EDGES = [10_000, 50_000, 100_000] as const

/** The amount bands in ascending order, as they appear in reports and JSON. */
export const AMOUNT_BANDS = ['<10k', '10k-50k', '50k-100k', '100k+'] as const

/** One of {@link AMOUNT_BANDS}. */
export type AmountBand = (typeof AMOUNT_BANDS)[number]

/**
 * The stored amount band of a deal whose source gave no usable amount (a CRM deal with its amount
 * left blank or 0; stored as 0), so it is not counted with the deals under $10k. `report drivers`
 * tests no segment of it (contract.md names the four {@link AMOUNT_BANDS}); filters take it.
 */
export const NO_AMOUNT_BAND = 'Unknown'

/** The amount bands a filter takes: {@link AMOUNT_BANDS}, then {@link NO_AMOUNT_BAND}. */
export const FILTER_AMOUNT_BANDS: readonly string[] = [...AMOUNT_BANDS, NO_AMOUNT_BAND]

/**
 * The band a deal is stored in: {@link NO_AMOUNT_BAND} when its amount is missing, else {@link amountBand}.
 * @example storedAmountBand({ amount: 0, amountMissing: true }) // 'Unknown'
 */
export function storedAmountBand(deal: { readonly amount: number; readonly amountMissing?: boolean }): string {
  return deal.amountMissing ? NO_AMOUNT_BAND : amountBand(deal.amount)
}

/**
 * The band an amount falls in; a band includes its lower edge.
 * @example amountBand(50_000) // '50k-100k'
 */
export function amountBand(amount: number): AmountBand {
  if (amount < 10_000) return '<10k'
  if (amount < 50_000) return '10k-50k'
  if (amount < 100_000) return '50k-100k'
  return '100k+'
}
