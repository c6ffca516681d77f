import type { Finding, ReportFilters } from './report-types.js'

/**
 * The filters as `--where` takes them, joined: `region=Nowhere, industry=Tech`; empty without filters.
 * @example filterWords({ region: 'EMEA' }) // 'region=EMEA'
 */
export function filterWords(where: ReportFilters): string {
  return Object.entries(where)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([field, value]) => `${field}=${value}`)
    .join(', ')
}

/**
 * The finding of a filtered report whose filters leave nothing of what it counts (`what`, dated by
 * the report's "as of": `deal created by 2026-11-27`, `deal lost by ...`, `deal open on ...`): it
 * names the filters, so that an empty report does not read as too little history or as "none
 * stalled", and the date, since deals created later may match. Null when `where` holds no filter.
 * @example noMatchFinding('losses', { region: 'Nowhere' }, 'deal lost by 2026-11-27')?.text // 'No deal lost by 2026-11-27 matches the filter region=Nowhere.'
 */
export function noMatchFinding(report: Finding['report'], where: ReportFilters, what: string): Finding | null {
  const filters = filterWords(where)
  if (filters === '') return null
  const many = Object.values(where).filter((v) => v !== undefined).length > 1
  return { report, key: `${report}_no_match`, significant: false, text: `No ${what} matches the filter${many ? 's' : ''} ${filters}.` }
}
