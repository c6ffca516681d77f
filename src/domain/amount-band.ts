/** Default amount band edges (contract): 10,000 / 50,000 / 100,000. */
export const AMOUNT_BAND_EDGES = [10_000, 50_000, 100_000] as const

/** The amount bands in ascending order, as they appear in reports and JSON. */
export const AMOUNT_BANDS = ['<10k', '10k-50k', '50k-100k', '100k+'] as const

/** One of {@link AMOUNT_BANDS}. */
export type AmountBand = (typeof AMOUNT_BANDS)[number]

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
