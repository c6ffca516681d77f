const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** `2024-05` -> `May 2024`. */
export function formatMonth(month: string): string {
  return `${MONTHS[Number(month.slice(5, 7)) - 1] ?? month.slice(5, 7)} ${month.slice(0, 4)}`
}

/** 0.314 -> `31%`; null -> `n/a`. Values below 10% keep one decimal (`4.5%`). */
export function formatPercent(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return 'n/a'
  const pct = rate * 100
  return pct !== 0 && Math.abs(pct) < 10 ? `${pct.toFixed(1)}%` : `${Math.round(pct)}%`
}

/** 1_234_567 -> `$1.2M`, 45_300 -> `$45k`, 812 -> `$812`. */
export function formatMoney(amount: number): string {
  const a = Math.abs(amount)
  const sign = amount < 0 ? '-' : ''
  if (a >= 1e9) return `${sign}$${(a / 1e9).toFixed(1)}B`
  if (a >= 1e6) return `${sign}$${(a / 1e6).toFixed(1)}M`
  if (a >= 1e3) return `${sign}$${Math.round(a / 1e3)}k`
  return `${sign}$${Math.round(a)}`
}

/** A q- or p-value as a reader sees it: `q<0.001`, `q=0.012`. */
export function formatProbability(name: 'p' | 'q', value: number): string {
  return value < 0.001 ? `${name}<0.001` : `${name}=${value.toFixed(3)}`
}

/** Thousands separators: 12345 -> `12,345`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}
