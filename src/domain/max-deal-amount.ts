/**
 * The largest amount a deal may have: 10^18, more than any deal in any currency. Larger numbers
 * (`1e308`, a spreadsheet's overflow) are not amounts: their sums are infinite in JavaScript and
 * SQLite and overflow PostgreSQL's `double precision`, which fails the report. A CSV row with one
 * is quarantined; a CRM deal with one counts as having no amount, like one with no number at all.
 */
export const MAX_DEAL_AMOUNT = 1e18
