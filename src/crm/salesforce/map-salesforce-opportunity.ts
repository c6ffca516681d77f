import type { SegmentMapping } from '../../config.js'
import { clipKey } from '../../domain/clip-key.js'
import { daysBetween } from '../../domain/dates.js'
import { MAX_DEAL_AMOUNT } from '../../domain/max-deal-amount.js'
import type { NormalizedOwner, SyncedDeal } from '../../domain/normalized-deal.js'
import { crmDate } from '../crm-date.js'
import { lastOpenStage, stayInstant, staysFromChanges } from '../stage-stays.js'

/**
 * The Opportunity fields the sync selects, segment fields (which may be `Account.*` paths)
 * included, each once whatever its case, `CurrencyIsoCode` when `withCurrency` (it exists only in
 * multi-currency orgs), and `LastStageChangeDate` when `withStageChange` (an org or API version
 * without it refuses the query with `INVALID_FIELD`).
 */
export function opportunityFields(segments: SegmentMapping, withCurrency = false, withStageChange = false): string[] {
  const base = [
    'Id',
    'Name',
    'Amount',
    'StageName',
    'CloseDate',
    'CreatedDate',
    'IsClosed',
    'IsWon',
    'OwnerId',
    'Owner.Email',
    'LastActivityDate',
    'LastModifiedDate',
    'SystemModstamp',
  ]
  const fields = [...base, segments.region, segments.industry, segments.productType, segments.leadSource]
  // SOQL refuses a field selected twice, in whatever case it is written (`Name`, `name`).
  const seen = new Set<string>()
  const optional = [...(withCurrency ? ['CurrencyIsoCode'] : []), ...(withStageChange ? [STAGE_CHANGE_FIELD] : [])]
  return [...fields, ...optional].filter((f) => !seen.has(f.toLowerCase()) && seen.add(f.toLowerCase()))
}

/**
 * The Opportunity field saying when its stage last changed: read for an opportunity without
 * `OpportunityHistory` rows, to date the stay in its stage. Standard and read-only in current API
 * versions, but not every org or API version has it.
 */
export const STAGE_CHANGE_FIELD = 'LastStageChangeDate'

/**
 * The parent relationships segment fields are read through (`Account` for `Account.Industry`),
 * each once whatever its case: a change to such a parent record moves no opportunity's `SystemModstamp`.
 */
export function segmentParents(segments: SegmentMapping): string[] {
  const seen = new Map<string, string>()
  for (const path of [segments.region, segments.industry, segments.productType, segments.leadSource]) {
    const dot = path.indexOf('.')
    if (dot > 0 && !seen.has(path.slice(0, dot).toLowerCase())) seen.set(path.slice(0, dot).toLowerCase(), path.slice(0, dot))
  }
  return [...seen.values()]
}

/**
 * The `OpportunityHistory` fields the sync reads: the stage and when, and the amount and close
 * date each row left with the ones it found (`PrevAmount`, `PrevCloseDate`, API v50+), which put
 * rows of the same second in the order they were written when those changed between them.
 */
export const HISTORY_FIELDS = 'StageName, CreatedDate, Amount, CloseDate, PrevAmount, PrevCloseDate'

/** The child subquery that brings each opportunity's `OpportunityHistory` rows along. */
export const HISTORY_SUBQUERY = `(SELECT ${HISTORY_FIELDS} FROM OpportunityHistories ORDER BY CreatedDate ASC)`

/**
 * Reads a field path (`Account.Industry`) from a record; a null parent reads as null. SOQL takes
 * field names in any case and records spell them as the org does, so a part written in another
 * case (`account.industry`, a `SALESFORCE_*_FIELD` typed in lower case) finds its field too.
 */
export function fieldAt(record: Record<string, unknown>, path: string): unknown {
  let v: unknown = record
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return null
    const o = v as Record<string, unknown>
    v = o[part]
    if (v === undefined) {
      const lower = part.toLowerCase()
      const key = Object.keys(o).find((k) => k.toLowerCase() === lower)
      v = key === undefined ? undefined : o[key]
    }
  }
  return v ?? null
}

/**
 * A Salesforce checkbox field (`IsWon`, `IsClosed`, `IsDeleted`): a JSON boolean, or the same written
 * as text (`"true"`, as a proxy or export may send it, as HubSpot's flags come); null when it is neither.
 * @example sfFlag('TRUE') // true
 */
export function sfFlag(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value
  const text = typeof value === 'string' ? value.trim().toLowerCase() : ''
  return text === 'true' ? true : text === 'false' ? false : null
}

/** An `OpportunityStage`'s closed and won flags. */
export interface StageFlags {
  isClosed: boolean
  isWon: boolean
}

/**
 * An Opportunity record (with its `OpportunityHistories` rows) as a normalised deal, `stageFlags`
 * giving each `OpportunityStage` name's `IsClosed` and `IsWon` (empty when unknown): outcome from
 * `IsWon`/`IsClosed` (booleans, or the same as text; a record without them, or with them null, takes its `StageName`'s flags), stage
 * history from the history rows with repeated rows of one stage collapsed,
 * a lost deal's stage being the last open stage of that history, last activity `LastActivityDate`,
 * currency `CurrencyIsoCode` when the record has it.
 * Datetimes are the days the team in `timeZone` (`PULSE_TZ`) saw, see {@link crmDate}.
 */
export function mapOpportunity(
  r: Record<string, unknown>,
  history: ReadonlyArray<Record<string, unknown>>,
  stageFlags: ReadonlyMap<string, StageFlags>,
  segments: SegmentMapping,
  instanceUrl: string | undefined,
  timeZone = 'UTC',
): { synced: SyncedDeal; owner: NormalizedOwner } {
  // A date (`2024-06-28`) as written, a datetime (`2024-05-01T08:03:41.000+0000`) as its day in `timeZone`.
  const dateOf = (value: string | null) => crmDate(value, timeZone)
  const id = String(r.Id)
  const str = (path: string) => {
    const v = fieldAt(r, path)
    return v === null || v === undefined || String(v).trim() === '' ? null : String(v)
  }
  const stageName = str('StageName') ?? 'Unknown'
  // Salesforce always sends both flags; a record without them (or with them null) is read by its stage's.
  const flags = stageFlags.get(stageName)
  const won = sfFlag(r.IsWon) ?? flags?.isWon ?? false
  const closed = won || (sfFlag(r.IsClosed) ?? flags?.isClosed ?? false)
  const stays = staysFromChanges(
    id,
    history
      .filter((h) => typeof h.StageName === 'string' && typeof h.CreatedDate === 'string')
      .map((h) => ({ stage: String(h.StageName), at: String(h.CreatedDate), chain: historyChain(h) })),
    timeZone,
    stageName,
  )
  let createdDate = dateOf(str('CreatedDate')) ?? '1970-01-01'
  let closedDate: string | null = null
  if (closed) {
    closedDate = dateOf(str('CloseDate')) ?? dateOf(str('LastModifiedDate')) ?? createdDate
    // Closed before its record was created (brought in from another CRM with its close date): it
    // closed then, and existed by then.
    if (closedDate < createdDate) createdDate = closedDate
  }
  const outcome = won ? 'won' : closed ? 'lost' : 'open'
  // A closed deal's own stage is where it closed unless OpportunityStage lists it as open: a lost
  // deal in an open stage (IsClosed at odds with StageName) was lost at that stage.
  const isClosedStage = (s: string) => stageFlags.get(s)?.isClosed === true || (s === stageName && stageFlags.get(s)?.isClosed !== false)
  const last = stays[stays.length - 1]
  // Without a history, when the opportunity entered its stage: `LastStageChangeDate` when the record has it, else its last change.
  const enteredNow = stays.length === 0 ? stayInstant(str(STAGE_CHANGE_FIELD), timeZone) : null
  // No Amount (null or 0, as an opportunity nobody has priced yet shows), or one no deal can
  // have, is missing: stored as 0 in the amount band Unknown.
  const amount = Number(r.Amount ?? Number.NaN)
  const amountKnown = Number.isFinite(amount) && amount > 0 && amount <= MAX_DEAL_AMOUNT
  const ownerId = str('OwnerId') ?? 'unassigned'
  const email = str('Owner.Email')?.trim().toLowerCase() ?? null
  const seg = (path: string) => clipKey(str(path) ?? 'Unknown')
  return {
    owner: { ownerId, email, name: str('Owner.Name') },
    synced: {
      // No `OpportunityHistory` row at all (rows the Run As user cannot see, or purged): no history
      // is known, so the store keeps the one an earlier sync read (see `SyncedDeal.history`).
      history: stays.length === 0 ? null : stays,
      ...(stays.length === 0
        ? { stageChangedAt: enteredNow, modifiedAt: stayInstant(str('LastModifiedDate') ?? str('SystemModstamp'), timeZone) }
        : {}),
      deal: {
        dealId: id,
        source: 'salesforce',
        name: str('Name'),
        ownerId,
        ownerEmail: email,
        createdDate,
        closedDate,
        outcome,
        stage: outcome === 'lost' ? (lastOpenStage(stays, isClosedStage) ?? stageName) : stageName,
        stageEnteredDate: last && last.stage === stageName ? dateOf(last.enteredAt) : enteredNow === null ? null : dateOf(enteredNow),
        amount: amountKnown ? amount : 0,
        ...(amountKnown ? {} : { amountMissing: true }),
        // A multi-currency org's Amount is in the opportunity's own currency; a single-currency org has none to name.
        currency: str('CurrencyIsoCode')?.toUpperCase() ?? null,
        industry: seg(segments.industry),
        region: seg(segments.region),
        productType: seg(segments.productType),
        leadSource: seg(segments.leadSource),
        salesCycleDays: closedDate === null ? null : daysBetween(createdDate, closedDate),
        lastActivityDate: dateOf(str('LastActivityDate')),
        updatedDate: dateOf(str('LastModifiedDate')) ?? dateOf(str('SystemModstamp')),
        crmUrl: instanceUrl ? `${instanceUrl}/lightning/r/Opportunity/${id}/view` : null,
        archived: false,
        extra: null,
      },
    },
  }
}

/**
 * What an `OpportunityHistory` row found and left (`PrevAmount`/`PrevCloseDate` and
 * `Amount`/`CloseDate`): each row's `Prev*` are the row before's values, which orders rows of one
 * second. Undefined when the row lacks one of the four fields (a server that left them out).
 */
function historyChain(h: Record<string, unknown>): { from: string; to: string } | undefined {
  if (!('Amount' in h && 'CloseDate' in h && 'PrevAmount' in h && 'PrevCloseDate' in h)) return undefined
  return {
    from: JSON.stringify([h.PrevAmount ?? null, h.PrevCloseDate ?? null]),
    to: JSON.stringify([h.Amount ?? null, h.CloseDate ?? null]),
  }
}
