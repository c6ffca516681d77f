/** `0.314` -> `31%`; null -> `n/a`. */
export function pct(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return 'n/a'
  return `${Math.round(fraction * 100)}%`
}

/** `1234567` -> `$1.2M`, `84000` -> `$84k`, `950` -> `$950`. */
export function money(amount: number): string {
  const a = Math.abs(amount)
  const sign = amount < 0 ? '-' : ''
  if (a >= 1e9) return `${sign}$${trim(a / 1e9)}B`
  if (a >= 1e6) return `${sign}$${trim(a / 1e6)}M`
  if (a >= 1e4) return `${sign}$${Math.round(a / 1e3)}k`
  if (a >= 1e3) return `${sign}$${trim(a / 1e3)}k`
  return `${sign}$${Math.round(a)}`
}

/** `12345` -> `12,345`. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** `2024-06` -> `June 2024`. */
export function monthLabel(month: string): string {
  const d = new Date(`${month}-01T00:00:00Z`)
  return d.toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' })
}

/** Escapes text for Slack mrkdwn (`&`, `<`, `>`). */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function trim(x: number): string {
  return x >= 100 ? String(Math.round(x)) : x.toFixed(1).replace(/\.0$/, '')
}
