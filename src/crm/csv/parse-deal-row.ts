import { keyBytesOver, MAX_KEY_BYTES } from '../../domain/clip-key.js'
import { composedDealId } from '../../domain/composed-deal-id.js'
import { toIsoDate } from '../../domain/dates.js'
import { MAX_DEAL_AMOUNT } from '../../domain/max-deal-amount.js'
import type { NormalizedDeal, Outcome, StageStay } from '../../domain/normalized-deal.js'
import { isPlaceholderDate } from '../../domain/placeholder-date.js'
import { isLostStageName, isWonStageName } from '../../domain/stages-from-names.js'
import { lastOpenStage } from '../stage-stays.js'
import { type ColumnLayout, type KnownColumn, missingClosedDateColumn } from './csv-columns.js'

/** A row that parsed: the deal plus any stage history the row carried. */
export interface ParsedRow {
  ok: true
  deal: NormalizedDeal
  history: StageStay[] | null
  /**
   * The row dates a stage before its `created_date` (its `stage_entered_date`, or a stay of its
   * `stage_history`): the deal and its stays count that stage from the created date instead (see
   * {@link stagesFromCreated}), so that no time in stage is longer than the deal's age.
   */
  stageBeforeCreated: boolean
  /**
   * An optional date of the row (`last_activity_date`, `updated_date`, `stage_entered_date`, an
   * open deal's `closed_date`) is a placeholder for "no date" ({@link isPlaceholderDate}): read as empty.
   */
  placeholderDate: boolean
  /**
   * The row's `last_activity_date` is before its `created_date` (a date carried over from another
   * system): stored as written, and days idle count from the created date (`lastActivityOf`).
   */
  activityBeforeCreated: boolean
}

/** A row that did not: the reason, in words a person can act on. */
export interface RejectedRow {
  ok: false
  reason: string
}

const OUTCOMES: Record<string, Outcome> = {
  won: 'won',
  'closed won': 'won',
  closedwon: 'won',
  lost: 'lost',
  'closed lost': 'lost',
  closedlost: 'lost',
  open: 'open',
  '': 'open',
}

/** A plain decimal number: `42`, `+42`, `4253.50`, `.5`, `1.5e3` (never hex, octal or binary). */
const DECIMAL = /^\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
const AMOUNT = /^\d{1,3}(,\d{3})+(\.\d+)?$|^\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
/**
 * A currency written before an amount: a sign (`$`, `€`, `₹`, `US$`) or an ISO 4217 code (`USD 1,250`,
 * as Salesforce reports write amounts in a multi-currency org).
 */
const CURRENCY_BEFORE = /^(?:[A-Z]{0,2}\p{Sc}|([A-Z]{3})(?=[\s\d.]))\s*/u
/** The same written after it (`1,250 €`, `1,250.00 EUR`). */
const CURRENCY_AFTER = /(?<=[\d.])\s*(?:\p{Sc}|([A-Z]{3}))$/u
/** The ISO 4217 codes, so that `100 MIL` is not read as 100. */
const CURRENCY_CODES = new Set(Intl.supportedValuesOf('currency'))
/** The longest sales cycle read from a file: 100 years. A longer one is a typo, and the stored column is a 32-bit integer on PostgreSQL. */
const MAX_CYCLE_DAYS = 36_500
/** One dot or comma and three digits after it (`12.500`, `€1,250`): a decimal mark, or one between thousands? */
const ONE_GROUP = /^\d{1,3}[.,]\d{3}$/
/**
 * An amount that can only be read with a dot before its decimals: one to two or four and more
 * digits after the dot (`12.50`, `.5`, `3.14159`), four and more before it (`1250.000`), or commas
 * between thousands (`1,250.00`, `1,250,000`).
 */
const DOT_DECIMALS = /^(\d*\.\d{1,2}|\d*\.\d{4,}|\d{4,}\.\d+|\d{1,3}(,\d{3})+\.\d*|\d{1,3}(,\d{3}){2,})$/
/** The same with a decimal comma (`12,50`, `1.250,00`, `1.250.000`). */
const COMMA_DECIMALS = /^(\d*,\d{1,2}|\d*,\d{4,}|\d{4,},\d+|\d{1,3}(\.\d{3})+,\d*|\d{1,3}(\.\d{3}){2,})$/

/** An amount without the currency written before or after it (`USD 1,250` -> `1,250`). */
function withoutCurrency(value: string): string {
  const drop = (match: string, code: string | undefined) => (code === undefined || CURRENCY_CODES.has(code) ? '' : match)
  return value.trim().replace(CURRENCY_BEFORE, drop).replace(CURRENCY_AFTER, drop)
}

/**
 * Parses an amount: a plain decimal number (`4253`, `4253.50`, `+42`, `.5`, `1.5e3`), or with
 * thousands separators and a currency sign or code before or after it (`$1,234.50`, `₹4,253`,
 * `USD 1,234.50`, `1,234 €`). Returns null for anything else, including negatives (`-0` is zero).
 */
export function parseAmount(value: string): number | null {
  const v = value.trim()
  // Most amounts are plain numbers: read at once, without looking for a currency (a tenth of the time).
  if (DECIMAL.test(v)) {
    const n = Number(v)
    return Number.isFinite(n) ? n : null
  }
  const lead = v.startsWith('-')
  let bare = withoutCurrency(lead ? v.slice(1) : v)
  // The minus may follow the currency, too (`$-5`, `USD -5`).
  const after = !lead && bare.startsWith('-')
  if (after) bare = bare.slice(1)
  if (lead || after) return /^0*\.?0*$/.test(bare) && /\d/.test(bare) ? 0 : null
  if (!AMOUNT.test(bare)) return null
  const n = Number(bare.replace(/,/g, ''))
  return Number.isFinite(n) ? n : null
}

/**
 * The mark an amount shows before its decimals, when only one reading of it makes sense: `.` for
 * `12.50`, `$1,250.00` or `1,250,000`; `,` for `12,50`, `1.250,00 €` or `1.250.000`. Null for one
 * that shows neither (`4253`, `12.500`, `€1,250`, not a number).
 */
export function decimalMarkOf(value: string): '.' | ',' | null {
  const bare = withoutCurrency(value.trim().replace(/^[+-]/, '')).replace(/^[+-]/, '')
  return DOT_DECIMALS.test(bare) ? '.' : COMMA_DECIMALS.test(bare) ? ',' : null
}

/**
 * Parses the `stage_history` column: `Stage@date` entries separated by `;`, oldest first or
 * newest first (as CRMs list history): the stays come back in date order, entries on the same
 * day in the order written, each left when the next one was entered. When every entry is on one
 * day (a deal created and moved, or closed, the same day), the dates cannot tell the order: the
 * list is newest first when it starts, and does not end, at `currentStage` (the row's
 * `deal_stage`) or at a won or lost end.
 * Returns null when an entry is malformed.
 * @example parseStageHistory('D1', 'Demo@2024-01-02;Qualified@2024-01-02', 'Demo') // Qualified, then Demo (open)
 */
export function parseStageHistory(dealId: string, value: string, currentStage?: string): StageStay[] | null {
  const stays: StageStay[] = []
  let start = 0
  while (start <= value.length) {
    let end = value.indexOf(';', start)
    if (end === -1) end = value.length
    const entry = value.slice(start, end).trim()
    start = end + 1
    if (entry === '') continue
    const at = entry.lastIndexOf('@')
    const date = at > 0 ? toIsoDate(entry.slice(at + 1)) : null
    if (at <= 0 || date === null) return null
    stays.push({ dealId, stage: entry.slice(0, at).trim(), enteredAt: date, leftAt: null })
  }
  // Newest first when the first entry is later than the last (or, all on one day, ends the deal's history): read it backwards.
  const first = stays[0]
  const last = stays[stays.length - 1]
  if (first !== undefined && last !== undefined && first !== last) {
    if (first.enteredAt > last.enteredAt) stays.reverse()
    else if (first.enteredAt === last.enteredAt) {
      // (Rare: the words are compared only for a history on one day.)
      const current = currentStage?.trim().toLowerCase()
      const endsHistory = (stage: string) => stage.toLowerCase() === current || isWonStageName(stage) || isLostStageName(stage)
      if (endsHistory(first.stage) && !endsHistory(last.stage)) stays.reverse()
    }
  }
  // Most histories are in order already: sort (stable, so same-day entries keep their order) only when not.
  if (!inDateOrder(stays)) stays.sort((a, b) => (a.enteredAt < b.enteredAt ? -1 : a.enteredAt > b.enteredAt ? 1 : 0))
  for (let i = 1; i < stays.length; i++) (stays[i - 1] as StageStay).leftAt = (stays[i] as StageStay).enteredAt
  return stays
}

function inDateOrder(stays: readonly StageStay[]): boolean {
  for (let i = 1; i < stays.length; i++) if ((stays[i - 1] as StageStay).enteredAt > (stays[i] as StageStay).enteredAt) return false
  return true
}

/**
 * Turns one CSV row into a normalised deal, or says why it cannot be imported
 * (contract: unparseable date, negative or non-numeric amount, unknown outcome, closed before
 * created). A row whose fields do not line up with the header (too few, or values past its end)
 * is refused as a whole, since its columns cannot be trusted. Duplicate ids are the caller's to
 * detect, since they span rows.
 *
 * @throws AppError `missing_columns` for a won or lost deal when the file has no `closed_date`
 *   column: the file cannot be read correctly, so the caller imports none of it.
 */
export function parseDealRow(fields: readonly string[], layout: ColumnLayout): ParsedRow | RejectedRow {
  const misaligned = alignmentProblem(fields, layout)
  if (misaligned !== null) return reject(misaligned)
  const get = (c: KnownColumn): string => {
    const i = layout.index[c]
    return i === undefined ? '' : (fields[i] ?? '').trim()
  }
  // One deal whichever Unicode form the file spells its id in: the duplicate check and the upsert see one id.
  const dealId = composedDealId(get('deal_id'))
  if (dealId === '') return reject('deal_id is empty')
  const ownerId = get('sales_rep_id')
  if (ownerId === '') return reject('sales_rep_id is empty')

  const rawOutcome = get('outcome')
  const outcome = OUTCOMES[rawOutcome.toLowerCase()]
  if (outcome === undefined) return reject(`outcome "${rawOutcome}" is not Won, Lost or Open`)

  // A date other tools write for "no date" (0000-00-00, or 0001-01-01 on a row with no other date
  // in the calendar's first century that is not one too: a row of year 1 dates its deal then).
  const placeholder = (c: KnownColumn): boolean => {
    const raw = get(c)
    if (!isPlaceholderDate(raw)) return false
    return (
      raw.startsWith('0000') || !DATE_COLUMNS.some((other) => other !== c && !isPlaceholderDate(get(other)) && inFirstCentury(get(other)))
    )
  }
  if (placeholder('created_date')) return reject(placeholderProblem('created_date', get('created_date'), 'was created'))
  const createdDate = toIsoDate(get('created_date'))
  if (createdDate === null) return reject(dateProblem('created_date', get('created_date')))
  // Optional dates written as a placeholder for "no date" are read as empty (and counted).
  let placeholderDate = false

  const rawClosed = get('closed_date')
  let closedDate: string | null = null
  if (outcome !== 'open') {
    if (layout.index.closed_date === undefined) throw missingClosedDateColumn(layout)
    if (rawClosed === '') return reject(`closed_date is empty for a ${outcome} deal`)
    if (placeholder('closed_date')) return reject(placeholderProblem('closed_date', rawClosed, `was ${outcome}`))
    closedDate = toIsoDate(rawClosed)
    if (closedDate === null) return reject(dateProblem('closed_date', rawClosed))
    if (closedDate < createdDate) return reject(`closed_date ${closedDate} is before created_date ${createdDate}`)
  } else if (placeholder('closed_date')) {
    placeholderDate = true
  } else if (rawClosed !== '' && toIsoDate(rawClosed) === null) {
    return reject(dateProblem('closed_date', rawClosed))
  }

  const rawAmount = get('deal_amount')
  // (A plus sign, before or after the currency, changes nothing: `+12.500` is as ambiguous.)
  if (layout.decimalCommaLocale && ONE_GROUP.test(withoutCurrency(rawAmount.replace(/^\+/, '')).replace(/^\+/, ''))) {
    const digits = rawAmount.replace(/\D/g, '')
    const why =
      layout.delimiter === '\t'
        ? 'tab-separated files come from spreadsheets in any locale, and no other amount in this file shows a dot before its decimals'
        : 'semicolon-separated files come from spreadsheets that may write either mark between thousands or before decimals'
    return reject(
      `deal_amount "${rawAmount}" could mean ${digits} or ${Number(`${digits.slice(0, -3)}.${digits.slice(-3)}`)} (${why}); write it as one of those`,
    )
  }
  const amount = parseAmount(rawAmount)
  if (amount === null) {
    return reject(
      isNegativeAmount(rawAmount)
        ? `deal_amount "${rawAmount}" is negative`
        : `deal_amount "${rawAmount}" is not a number (write it as 4253.50, $4,253.50 or USD 4,253.50)`,
    )
  }
  if (amount > MAX_DEAL_AMOUNT) return reject(`deal_amount "${rawAmount}" is larger than any deal (the most is 10^18)`)

  let stage = get('deal_stage')
  if (stage === '') {
    if (outcome !== 'won') return reject(`deal_stage is empty for ${outcome === 'open' ? 'an open' : 'a lost'} deal`)
    stage = 'Closed'
  }

  const optionalDate = (c: KnownColumn): string | null | RejectedRow => {
    const raw = get(c)
    if (raw === '') return null
    if (placeholder(c)) {
      placeholderDate = true
      return null
    }
    return toIsoDate(raw) ?? reject(dateProblem(c, raw))
  }
  const lastActivityDate = optionalDate('last_activity_date')
  if (isRejected(lastActivityDate)) return lastActivityDate
  const updatedDate = optionalDate('updated_date')
  if (isRejected(updatedDate)) return updatedDate
  const stageEnteredDate = optionalDate('stage_entered_date')
  if (isRejected(stageEnteredDate)) return stageEnteredDate

  const rawCycle = get('sales_cycle_days')
  let salesCycleDays: number | null = null
  if (rawCycle !== '') {
    const n = DECIMAL.test(rawCycle) ? Number(rawCycle) : Number.NaN
    if (!Number.isFinite(n) || n < 0) return reject(`sales_cycle_days "${rawCycle}" is not a non-negative number`)
    if (n > MAX_CYCLE_DAYS) return reject(`sales_cycle_days "${rawCycle}" is more than 100 years (36,500 days)`)
    salesCycleDays = Math.round(n)
  }

  let history: StageStay[] | null = null
  const rawHistory = get('stage_history')
  if (rawHistory !== '') {
    history = parseStageHistory(dealId, rawHistory, stage)
    if (history === null) return reject(`stage_history "${rawHistory}" is not a list of Stage@YYYY-MM-DD entries`)
    // A CRM export names a lost deal's closed stage (`Closed Lost`); its history says where it was lost.
    const closedStage = (name: string) => isLostStageName(name) || isWonStageName(name)
    if (outcome === 'lost' && closedStage(stage)) stage = lastOpenStage(history, closedStage) ?? stage
  }
  // Without stage_entered_date, the history's last stay dates the deal's current stage (as a CRM sync does).
  const lastStay = history?.[history.length - 1]
  const writtenEntered =
    stageEnteredDate ??
    (lastStay !== undefined && (lastStay.stage === stage || lastStay.stage.toLowerCase() === stage.toLowerCase())
      ? lastStay.enteredAt
      : null)
  // A stage dated before the deal was created (a date carried over from another system, or a
  // slip): its time counts from the creation, so no time in stage is longer than the deal's age.
  const enteredBeforeCreated = writtenEntered !== null && writtenEntered < createdDate
  const staysMoved = history !== null && stagesFromCreated(history, createdDate)
  const stageBeforeCreated = enteredBeforeCreated || staysMoved
  const enteredDate = enteredBeforeCreated ? createdDate : writtenEntered

  let tooLong =
    overlongKey('deal_id', dealId) ??
    overlongKey('sales_rep_id', ownerId) ??
    overlongKey('owner_email', get('owner_email')) ??
    overlongKey('industry', get('industry')) ??
    overlongKey('region', get('region')) ??
    overlongKey('product_type', get('product_type')) ??
    overlongKey('lead_source', get('lead_source')) ??
    overlongKey('deal_stage', stage)
  if (tooLong === null && history !== null) {
    for (const h of history) tooLong ??= overlongKey('a stage in stage_history', h.stage)
  }
  if (tooLong !== null) return reject(tooLong)

  let extra: Record<string, string> | null = null
  for (const e of layout.extras) {
    const value = fields[e.index]
    if (value !== undefined && value !== '') {
      extra ??= {}
      extra[e.name] = value
    }
  }

  const email = get('owner_email')
  return {
    ok: true,
    history,
    stageBeforeCreated,
    placeholderDate,
    activityBeforeCreated: lastActivityDate !== null && lastActivityDate < createdDate,
    deal: {
      dealId,
      source: 'csv',
      name: get('deal_name') || null,
      ownerId,
      ownerEmail: email === '' ? null : email.toLowerCase(),
      createdDate,
      closedDate,
      outcome,
      stage,
      stageEnteredDate: enteredDate,
      amount,
      currency: get('currency') || null,
      industry: get('industry') || 'Unknown',
      region: get('region') || 'Unknown',
      productType: get('product_type') || 'Unknown',
      leadSource: get('lead_source') || 'Unknown',
      salesCycleDays,
      lastActivityDate,
      updatedDate,
      crmUrl: get('crm_url') || null,
      archived: false,
      extra,
    },
  }
}

/**
 * Moves the stays of `history` (in date order) that begin, or end, before `createdDate` to begin
 * or end on it: a deal's time in a stage starts no earlier than the deal. A stay wholly before
 * it becomes a stay of no days on that day (the deal still reached its stage). Returns whether
 * any stay moved. Mutates `history`.
 * @example stagesFromCreated([{ stage: 'Demo', enteredAt: '2024-01-01', leftAt: null, dealId: 'D1' }], '2024-02-01') // true: Demo from 2024-02-01
 */
export function stagesFromCreated(history: StageStay[], createdDate: string): boolean {
  let moved = false
  for (const s of history) {
    if (s.enteredAt < createdDate) {
      s.enteredAt = createdDate
      moved = true
    }
    if (s.leftAt !== null && s.leftAt < createdDate) s.leftAt = createdDate
  }
  return moved
}

// Whether `value` is an amount written with a minus before it or after its currency (`-5`, `-$5`, `$-5`, `USD -5`).
function isNegativeAmount(value: string): boolean {
  const v = value.trim()
  if (v.startsWith('-')) return parseAmount(v.slice(1)) !== null
  const bare = withoutCurrency(v)
  return bare.startsWith('-') && parseAmount(bare.slice(1)) !== null
}

// Why `value` (the field `name`) is too long to be a key, or null.
function overlongKey(name: string, value: string): string | null {
  const bytes = keyBytesOver(value)
  if (bytes === null) return null
  return `${name} is ${bytes.toLocaleString('en-US')} bytes long; an id, email, segment value or stage name may be at most ${MAX_KEY_BYTES.toLocaleString('en-US')}`
}

function alignmentProblem(fields: readonly string[], layout: ColumnLayout): string | null {
  if (fields.length < layout.minFields) {
    // Papa Parse reads to the end of the file when a quote is never closed: one short row holding the rest.
    if (fields.some((f) => f.includes('\n'))) {
      return `the row has ${fields.length} fields but the header has ${layout.width}, and a value runs over several lines: a quote opened in this row is never closed?`
    }
    return `the row has ${fields.length} fields but the header has ${layout.width}`
  }
  for (let i = layout.width; i < fields.length; i++) {
    if ((fields[i] as string).trim() !== '') {
      return `the row has ${fields.length} fields but the header has ${layout.width}: a separator (a comma, say) inside a value that is not quoted?`
    }
  }
  return null
}

function reject(reason: string): RejectedRow {
  return { ok: false, reason }
}

function isRejected(v: unknown): v is RejectedRow {
  return typeof v === 'object' && v !== null && (v as RejectedRow).ok === false
}

/** The columns of a row that hold dates. */
const DATE_COLUMNS: readonly KnownColumn[] = ['created_date', 'closed_date', 'last_activity_date', 'updated_date', 'stage_entered_date']

// A date of years 1 to 99.
function inFirstCentury(raw: string): boolean {
  if (!raw.startsWith('00')) return false
  const date = toIsoDate(raw)
  return date !== null && date < '0100-01-01'
}

// A required date written as a placeholder for "no date": the row cannot be placed in time.
function placeholderProblem(column: string, value: string, event: string): string {
  return `${column} "${value}" looks like a placeholder for "no date" (some tools write it for an empty date), not the day the deal ${event}: export the real date`
}

function dateProblem(column: string, value: string): string {
  return `${column} "${value}" is not a date (use YYYY-MM-DD or an ISO date-time)`
}
