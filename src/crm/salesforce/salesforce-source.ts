import type { SegmentMapping } from '../../config.js'
import type { NormalizedOwner, SyncedDeal } from '../../domain/normalized-deal.js'
import { type StageRename, stageRenames } from '../../domain/stage-renames.js'
import type { StageDefinition } from '../../domain/stages-from-names.js'
import { AppError, userMessage } from '../../errors.js'
import type { Logger } from '../../log/create-logger.js'
import type { CrmSource, PagesOptions, SyncPage } from '../crm-source.js'
import { type Clock, systemClock } from '../http/clock.js'
import { CrmHttpError, describeBody, isRefusedRequest } from '../http/crm-http.js'
import { segmentMappingChanges, segmentMappingOf } from '../segment-mapping-changes.js'
import { toIsoInstant } from '../stage-stays.js'
import { timeZoneChange, timeZoneOf } from '../time-zone-change.js'
import { withStageRenames } from '../with-stage-renames.js'
import {
  fieldAt,
  HISTORY_FIELDS,
  HISTORY_SUBQUERY,
  mapOpportunity,
  opportunityFields,
  STAGE_CHANGE_FIELD,
  type StageFlags,
  segmentParents,
  sfFlag,
} from './map-salesforce-opportunity.js'
import { createSalesforceApi, type SalesforceApi, type SoqlPage, type UnparsedPage } from './salesforce-api.js'

/** Options of {@link createSalesforceSource}. */
export interface SalesforceSourceOptions {
  url: string
  clientId: string
  clientSecret: string
  segments: SegmentMapping
  requestsPerSecond?: number
  clock?: Clock
  fetch?: typeof fetch
  timeoutMs?: number
  backoffBaseMs?: number
  logger?: Logger
  /** How far behind "now" the stored watermark stays (default 60 s), for transactions committed late. */
  lagMs?: number
  /** The team's time zone (`PULSE_TZ`, default UTC): datetimes are stored as their day there. */
  timeZone?: string
}

/** At most this many opportunities are remembered in the watermark as stored past it (more are read again instead). */
const MAX_RECENT = 5000

/** Records stored per transaction (a Salesforce page of 2,000 is stored in four). */
const SLICE = 500

/** Opportunity ids per `OpportunityHistory` query: the IN list stays under SOQL's 4,000-character WHERE strings. */
const HISTORY_CHUNK = 150

/** `OpportunityHistory` queries in flight at once. */
const HISTORY_QUERIES_AT_ONCE = 4

/** A row of the Opportunity query with its history subquery answered (Salesforce sends the key, null when empty). */
function isOpportunityWithHistory(r: Record<string, unknown>): boolean {
  const type = (r.attributes as { type?: unknown } | null | undefined)?.type
  return (type === undefined || type === 'Opportunity') && !('OpportunityId' in r) && historyAnswer(r) !== undefined
}

/**
 * A row's `OpportunityHistories` answer: a child result (`{ done, records }`) or null (no rows);
 * undefined when the row has none, or one in another shape (a bare array of rows), whose history
 * is then read with its own query.
 */
function historyAnswer(r: Record<string, unknown>): SoqlPage | null | undefined {
  if (!('OpportunityHistories' in r)) return undefined
  const child = r.OpportunityHistories
  if (child === null) return null
  return typeof child === 'object' && Array.isArray((child as { records?: unknown }).records) ? (child as SoqlPage) : undefined
}

/** How long a "no" from Salesforce about `LastStageChangeDate` holds before a sync asks again: a week. */
const STAGE_CHANGE_RECHECK_MS = 7 * 24 * 60 * 60 * 1000

/**
 * The watermark: every opportunity with `SystemModstamp` before `stamp` is stored, and so are
 * `ids` at exactly `stamp`; deletions are read from `deletedSince` on.
 */
interface SalesforceWatermark {
  stamp: string | null
  ids: string[]
  deletedSince: string | null
  /** Whether Opportunity has `CurrencyIsoCode`, once Salesforce has said (absent: ask). */
  currency?: boolean
  /** Whether Opportunity has `LastStageChangeDate`, once Salesforce has said (absent: ask). */
  stageChange?: boolean
  /**
   * When Salesforce last said Opportunity lacks `LastStageChangeDate` (an ISO instant): an admin
   * may enable it (or the API version may gain it), so a sync {@link STAGE_CHANGE_RECHECK_MS} on
   * asks again. Absent with `stageChange: false` (an earlier version's watermark): ask now.
   */
  stageChangeAskedAt?: string
  /**
   * Each `OpportunityStage` (by Id) as `O|W|L:name` (open, won, lost) when the opportunities up to
   * `stamp` were stored; absent in watermarks of earlier versions.
   */
  stages?: Record<string, string>
  /** The Opportunity field each segment was read from (`SALESFORCE_REGION_FIELD`, ...); absent in watermarks of earlier versions. */
  segments?: SegmentMapping
  /** The time zone (`PULSE_TZ`) the opportunities' dates were read in; absent in watermarks of earlier versions. */
  timeZone?: string
  /**
   * Opportunities already stored that the next query from `stamp` finds again (modified within
   * the lag, past `stamp`), each with the `SystemModstamp` stored: read again only once it changed.
   */
  recent?: Record<string, string>
  /**
   * Changes to the parent records segment fields are read through (`Account.*`) are in the stored
   * opportunities up to this instant; absent in watermarks of earlier versions (then `stamp`).
   */
  parentsSince?: string | null
  /**
   * Opportunities stored with a parent changed past `parentsSince` (by `relationship|Id`), each with
   * the parent's `SystemModstamp`: the next sync finds them again, and reads them again only once
   * the parent changed again.
   */
  recentParents?: Record<string, string>
}

/**
 * Salesforce as a {@link CrmSource}: `OpportunityStage` for the stage order and flags, then
 * `Opportunity` rows with `SystemModstamp` from the watermark on (ordered by `SystemModstamp, Id`,
 * paged with `nextRecordsUrl`), each with its `OpportunityHistory` rows through the
 * `OpportunityHistories` subquery and its owner's email through `Owner.Email`; finally deleted
 * opportunities through `queryAll ... WHERE IsDeleted = true`.
 */
export function createSalesforceSource(options: SalesforceSourceOptions): CrmSource & { readonly api: SalesforceApi } {
  const clock = options.clock ?? systemClock
  const api = createSalesforceApi({ ...options, clock })
  const lagMs = options.lagMs ?? 60_000
  let stageFlags: Map<string, StageFlags> | undefined
  // The stages by Id as the watermark keeps them (see `SalesforceWatermark.stages`).
  let stageNames: Record<string, string> = {}
  let historyMode: 'subquery' | 'separate' = 'subquery'
  // The stages renamed since the stored watermark, found as a sync starts.
  let renames: StageRename[] = []
  // Whether Opportunity has `CurrencyIsoCode` (a multi-currency org): kept in the watermark once
  // Salesforce has said, so only a first (or --full) sync asks.
  let currencyField: Promise<boolean | undefined> | undefined
  // Whether Opportunity has `LastStageChangeDate` (and when a "no" was given): kept in the
  // watermark the same way, but a "no" is asked again a week on.
  let stageChangeField: Promise<{ has: boolean | undefined; askedAt: string | undefined }> | undefined
  // Opportunity's describe, asked at most once a sync (null: refused, undefined: could not be asked).
  let described: Promise<Set<string> | null | undefined> | undefined
  // Owners read by `owners()` this sync: their pages need no `User` query of their own.
  let knownUsers = new Map<string, { name: string | null; email: string | null } | null>()

  async function loadStages(): Promise<StageDefinition[]> {
    const rows = await readAll(
      await api.query('SELECT Id, ApiName, MasterLabel, SortOrder, IsActive, IsClosed, IsWon FROM OpportunityStage ORDER BY SortOrder ASC'),
    )
    const all = rows.map((r) => ({
      name: String(r.ApiName ?? r.MasterLabel),
      isClosed: sfFlag(r.IsClosed) === true,
      isWon: sfFlag(r.IsWon) === true,
      active: sfFlag(r.IsActive) !== false,
    }))
    stageFlags = new Map(all.map((s) => [s.name, { isClosed: s.isClosed, isWon: s.isWon }]))
    stageNames = Object.fromEntries(
      rows.flatMap((r, i) => {
        const s = all[i] as (typeof all)[number]
        return typeof r.Id === 'string' ? [[r.Id, `${s.isClosed ? (s.isWon ? 'W' : 'L') : 'O'}:${s.name}`]] : []
      }),
    )
    // An inactive stage (retired from the picklist) keeps its closed flag for the deals that
    // passed through it, but stays out of the order: the funnel would show it reached by every
    // deal past it, though no deal can enter it.
    const stages = all.filter((s) => s.active).map(({ name, isClosed, isWon }) => ({ name, isClosed, isWon }))
    return [...stages.filter((s) => !s.isClosed), ...stages.filter((s) => s.isClosed)]
  }

  async function readAll(first: SoqlPage): Promise<Array<Record<string, unknown>>> {
    const out = [...first.records]
    let page = first
    while (!page.done && page.nextRecordsUrl) {
      page = await api.next(page.nextRecordsUrl)
      out.push(...page.records)
    }
    return out
  }

  /** A record's history rows: read separately, or from its subquery (a child result that did not fit is paged in full). */
  async function historyOf(
    r: Record<string, unknown>,
    separate: ReadonlyMap<string, Array<Record<string, unknown>>> | undefined,
  ): Promise<Array<Record<string, unknown>>> {
    const read = separate?.get(String(r.Id))
    if (read) return read
    const child = historyAnswer(r)
    if (!child) return []
    return child.done ? child.records : readAll(child)
  }

  /** `OpportunityHistory` rows of `ids` (the documented query, `OpportunityId IN (...)` in chunks), by opportunity. */
  async function historiesOf(ids: readonly string[]): Promise<Map<string, Array<Record<string, unknown>>>> {
    const out = new Map<string, Array<Record<string, unknown>>>(ids.map((id) => [id, []]))
    const chunks: string[][] = []
    for (let i = 0; i < ids.length; i += HISTORY_CHUNK) chunks.push(ids.slice(i, i + HISTORY_CHUNK))
    // A few at a time: a user may hold only about ten open query cursors, and a chunk with more
    // rows than one batch keeps its cursor open until it is read to the end.
    let next = 0
    const worker = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++] as string[]
        const rows = await readAll(
          await api.query(
            `SELECT OpportunityId, ${HISTORY_FIELDS} FROM OpportunityHistory WHERE OpportunityId IN (${soqlList(chunk)}) ORDER BY OpportunityId, CreatedDate`,
          ),
        )
        for (const row of rows) out.get(String(row.OpportunityId))?.push(row)
      }
    }
    await Promise.all(Array.from({ length: Math.min(HISTORY_QUERIES_AT_ONCE, chunks.length) }, worker))
    return out
  }

  /**
   * Whether the org is multi-currency (Opportunity describes a `CurrencyIsoCode` field), so each
   * amount's currency can be read with it; selecting it in a single-currency org fails the query.
   * A server that refuses the describe (4xx) answers no. One that cannot be asked now (network,
   * 5xx, timeout) gives undefined: amounts are stored without a currency this time, as before,
   * and the next sync asks again.
   */
  async function describeCurrency(): Promise<boolean | undefined> {
    const fields = await describeOpportunity()
    if (fields) return fields.has('CurrencyIsoCode')
    options.logger?.info('Salesforce did not describe Opportunity; amounts are stored without their currency')
    return fields === null ? false : undefined
  }

  /** Opportunity's field names from its describe: null when Salesforce refused it (4xx), undefined when it could not be asked now. */
  function describeOpportunity(): Promise<Set<string> | null | undefined> {
    described ??= api.fieldNames('Opportunity').then(
      (names) => names,
      (error: unknown) => {
        options.logger?.info({ err: userMessage(error) }, 'Salesforce did not describe Opportunity')
        return isRefusedRequest(error) ? null : undefined
      },
    )
    return described
  }

  /**
   * Whether Opportunity has `LastStageChangeDate`, which dates the stay of an opportunity read
   * without `OpportunityHistory` rows; an org or API version without it refuses any query naming it
   * (400 `INVALID_FIELD`). The describe says; a server that does not describe is asked with a
   * one-row query naming the field: answered, yes; refused with `INVALID_FIELD`, no; any other
   * failure (a server that does not read `LIMIT`, an outage), undefined: not selected this time,
   * asked again at the next sync.
   */
  async function hasStageChangeField(): Promise<boolean | undefined> {
    const fields = await describeOpportunity()
    if (fields) return [...fields].some((f) => f.toLowerCase() === STAGE_CHANGE_FIELD.toLowerCase())
    try {
      await api.query(`SELECT Id, ${STAGE_CHANGE_FIELD} FROM Opportunity LIMIT 1`, { optional: true })
      return true
    } catch (error) {
      options.logger?.info(
        { err: userMessage(error) },
        `Salesforce did not answer a query naming Opportunity.${STAGE_CHANGE_FIELD}; opportunities without stage history are dated by their last modification`,
      )
      const code =
        isRefusedRequest(error) && Array.isArray(error.body) ? (error.body[0] as { errorCode?: unknown } | undefined)?.errorCode : undefined
      return code === 'INVALID_FIELD' ? false : undefined
    }
  }

  /**
   * Whether Opportunity has `LastStageChangeDate` as `start` (the watermark) knows it, asked
   * ({@link hasStageChangeField}) when it does not know, or when its "no" is a week old or more
   * (`askedAt`: when that "no" was given). A question that goes unanswered keeps what was known.
   */
  async function stageChangeAnswer(start: SalesforceWatermark): Promise<{ has: boolean | undefined; askedAt: string | undefined }> {
    const known = { has: start.stageChange, askedAt: start.stageChangeAskedAt }
    const askedAt = start.stageChangeAskedAt === undefined ? Number.NaN : Date.parse(start.stageChangeAskedAt)
    const stale = start.stageChange === false && !(clock.now() - askedAt < STAGE_CHANGE_RECHECK_MS)
    if (start.stageChange !== undefined && !stale) return known
    const has = await hasStageChangeField()
    if (has === undefined) return known
    return { has, askedAt: has ? undefined : new Date(clock.now()).toISOString() }
  }

  /**
   * Names and emails of `ownerIds` (the documented `User` query, in chunks) into `into`; an owner
   * the query does not return, or a failed query, leaves null: names are not worth failing a sync.
   */
  async function readUsers(ownerIds: readonly string[], into: Map<string, { name: string | null; email: string | null } | null>) {
    for (const ownerId of ownerIds) into.set(ownerId, null)
    const chunks: string[][] = []
    for (let i = 0; i < ownerIds.length; i += HISTORY_CHUNK) chunks.push(ownerIds.slice(i, i + HISTORY_CHUNK))
    try {
      await Promise.all(
        chunks.map(async (chunk) => {
          const rows = await readAll(
            await api.query(`SELECT Id, Name, FirstName, LastName, Email, Username, IsActive FROM User WHERE Id IN (${soqlList(chunk)})`),
          )
          for (const u of rows) {
            const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null)
            const name = text(u.Name) ?? ([text(u.FirstName), text(u.LastName)].filter(Boolean).join(' ') || null)
            if (into.has(String(u.Id))) into.set(String(u.Id), { name, email: text(u.Email)?.toLowerCase() ?? null })
          }
        }),
      )
    } catch (error) {
      // (A refused session would fail the next opportunity page just the same.)
      options.logger?.warn({ err: userMessage(error) }, 'Salesforce User query failed; owners are stored without names')
    }
  }

  /** An opportunity record as a deal, its owner's name (and an email the record lacks) from `users`. */
  async function toDeal(
    r: Record<string, unknown>,
    separate: ReadonlyMap<string, Array<Record<string, unknown>>> | undefined,
    users: ReadonlyMap<string, { name: string | null; email: string | null } | null>,
  ): Promise<{ synced: SyncedDeal; owner: NormalizedOwner }> {
    const mapped = mapOpportunity(
      r,
      await historyOf(r, separate),
      stageFlags as Map<string, StageFlags>,
      options.segments,
      api.instanceUrl(),
      options.timeZone,
    )
    const user = users.get(mapped.owner.ownerId)
    if (user) {
      mapped.owner.name ??= user.name
      mapped.owner.email ??= user.email
      mapped.synced.deal.ownerEmail ??= user.email
    }
    return mapped
  }

  /**
   * Opportunities whose parent record `relationship` (`Account`) changed after `since`, by pages of
   * deals and owners: such a change (an account's industry filled in) moves no opportunity's
   * `SystemModstamp`, so the query from the watermark does not find them. Rows whose parent does
   * not show a change after `since` (a server that ignored the filter) are left out, and so are
   * those in `skip` (read already; each row read here is added) or stored before with the parent
   * as it is now (`storedRecently`, by `relationship|Id`). Each row whose parent changed after
   * `safe` is passed to `recent`, so the next sync, which asks again from `safe`, can tell. With
   * `store` false (a sync that reads every opportunity anyway) rows are only passed to `recent`.
   */
  async function* parentChangePages(
    relationship: string,
    fields: readonly string[],
    since: string,
    o: {
      store: boolean
      safe: string
      skip: Map<string, string | null>
      storedRecently: ReadonlyMap<string, string>
      recent: (key: string, parentAt: string) => void
      users: Map<string, { name: string | null; email: string | null } | null>
    },
  ): AsyncIterable<{ deals: SyncedDeal[]; owners: NormalizedOwner[] }> {
    const parentStamp = `${relationship}.SystemModstamp`
    const wanted = o.store ? fields : ['Id']
    const select = wanted.some((f) => f.toLowerCase() === parentStamp.toLowerCase()) ? wanted : [...wanted, parentStamp]
    const after = secondBefore(since)
    let page: SoqlPage | undefined = await api.query(
      `SELECT ${select.join(', ')} FROM Opportunity WHERE ${parentStamp} > ${after.slice(0, 19)}Z ORDER BY Id ASC`,
    )
    while (page) {
      const records = page.records.filter((r) => {
        const parentAt = toIsoInstant(fieldAt(r, parentStamp) as string | null)
        if (parentAt === null || parentAt <= after || typeof r.Id !== 'string') return false
        const key = `${relationship}|${r.Id}`
        if (parentAt > o.safe) o.recent(key, parentAt)
        return o.store && !o.skip.has(r.Id) && o.storedRecently.get(key) !== parentAt
      })
      for (const r of records) o.skip.set(String(r.Id), toIsoInstant(fieldAt(r, 'SystemModstamp') as string | null))
      const newOwners = [...new Set(records.map((r) => fieldAt(r, 'OwnerId')).filter((v): v is string => typeof v === 'string'))].filter(
        (ownerId) => !o.users.has(ownerId),
      )
      const [separate] = await Promise.all([
        records.length > 0 ? historiesOf(records.map((r) => String(r.Id))) : undefined,
        newOwners.length > 0 ? readUsers(newOwners, o.users) : undefined,
      ])
      const next: SoqlPage | undefined = !page.done && page.nextRecordsUrl ? await api.next(page.nextRecordsUrl) : undefined
      for (let from = 0; from < records.length; from += SLICE) {
        const deals: SyncedDeal[] = []
        const owners = new Map<string, NormalizedOwner>()
        for (const r of records.slice(from, from + SLICE)) {
          const { synced, owner } = await toDeal(r, separate, o.users)
          deals.push(synced)
          owners.set(owner.ownerId, owner)
        }
        yield { deals, owners: [...owners.values()] }
      }
      page = next
    }
  }

  /**
   * The first page of changed opportunities. Their history comes through the `OpportunityHistories`
   * subquery (one request a page) when the server answers it as Salesforce does; a server that
   * rejects it, leaves it out, answers with other rows, or finds nothing where the plain query
   * finds opportunities gets the plain query, and history is read with its own query.
   */
  async function firstPage(plainSoql: string, withHistorySoql: string): Promise<{ raw: UnparsedPage; page: SoqlPage }> {
    if (historyMode === 'subquery') {
      try {
        const raw = await api.fetchPage({ soql: withHistorySoql })
        const page = raw.parse()
        if (page.records.length > 0 && page.records.every(isOpportunityWithHistory)) return { raw, page }
        if (page.records.length === 0) {
          const plainRaw = await api.fetchPage({ soql: plainSoql })
          const plain = plainRaw.parse()
          if (plain.records.length === 0) return { raw, page }
          historyMode = 'separate'
          return { raw: plainRaw, page: plain }
        }
      } catch (error) {
        // Only a refused query is worth asking again in the plain form.
        const refused =
          error instanceof AppError &&
          error.code === 'crm_bad_response' &&
          !(error instanceof CrmHttpError && error.status >= 200 && error.status < 300)
        if (!refused) throw error
      }
      historyMode = 'separate'
      options.logger?.info('Salesforce did not answer the OpportunityHistories subquery; reading OpportunityHistory with its own query')
    }
    const raw = await api.fetchPage({ soql: plainSoql })
    return { raw, page: raw.parse() }
  }

  async function* pages(watermark: string | null, opts: PagesOptions = {}): AsyncIterable<SyncPage> {
    if (!stageFlags) await loadStages()
    let start = parseWatermark(watermark)
    // A stage renamed in Salesforce (or turned open or closed) may change its opportunities'
    // StageName without a new SystemModstamp: every opportunity is read again, so that stored
    // deals carry the new name, as a first sync would store them.
    const changed = Object.entries(start.stages ?? {}).filter(([id, was]) => stageNames[id] !== undefined && stageNames[id] !== was)
    // A renamed stage is the same stage: the stored deals and stays under its old name take the new
    // one, so an opportunity read again without history is not taken to have changed stage (a full
    // sync compares with the watermark it replaced).
    const lastStages = (watermark === null && opts.replaced != null ? parseWatermark(opts.replaced) : start).stages
    renames = lastStages ? stageRenames(lastStages, stageNames) : []
    // A segment read from another field now (`SALESFORCE_REGION_FIELD` changed): the opportunities
    // stored before hold the old field's values, and only changed ones would be read again.
    const remapped = segmentMappingChanges(start.segments, options.segments, 'SALESFORCE_{}_FIELD')
    if (changed.length > 0) {
      const list = changed.map(([id, was]) => `"${was.slice(2)}" is now "${(stageNames[id] as string).slice(2)}"`).join(', ')
      // A warning, so that `pulse sync` tells on stderr why this sync reads everything.
      options.logger?.warn(`Salesforce stages changed since the last sync (${list}): reading every opportunity again`)
    }
    if (remapped.length > 0) {
      options.logger?.warn(`Segment fields changed since the last sync (${remapped.join(', ')}): reading every opportunity again`)
    }
    // Another PULSE_TZ: the stored opportunities' dates are the days their timestamps fell on in the old zone.
    const rezoned = timeZoneChange(start.timeZone, options.timeZone)
    if (rezoned !== null) {
      options.logger?.warn(`${rezoned} since the last sync: reading every opportunity again to date it in the new zone`)
    }
    if (changed.length > 0 || remapped.length > 0 || rezoned !== null) start = { ...start, stamp: null, ids: [], recent: undefined }
    const safe = new Date(clock.now() - lagMs).toISOString()
    currencyField ??= start.currency === undefined ? describeCurrency() : Promise.resolve(start.currency)
    const currency = await currencyField
    // A multi-currency org whose stored opportunities were read without their currency (the
    // describe could not be asked then, or an earlier release): no search from the watermark
    // finds the unchanged ones, so every opportunity is read again to carry its own currency.
    if (currency === true && start.currency === undefined && start.stamp !== null) {
      options.logger?.warn(
        'Salesforce org is multi-currency and the opportunities stored so far carry no currency: reading every opportunity again',
      )
      start = { ...start, stamp: null, ids: [], recent: undefined }
    }
    stageChangeField ??= stageChangeAnswer(start)
    const { has: stageChange, askedAt: stageChangeAskedAt } = await stageChangeField
    const fields = opportunityFields(options.segments, currency === true, stageChange === true)
    const where = start.stamp === null ? '' : ` WHERE ${modstampFrom(start.stamp)}`
    const order = ' ORDER BY SystemModstamp ASC, Id ASC'
    const plainSoql = `SELECT ${fields.join(', ')} FROM Opportunity${where}${order}`
    const withHistorySoql = `SELECT ${fields.join(', ')}, ${HISTORY_SUBQUERY} FROM Opportunity${where}${order}`

    let stamp = start.stamp
    let ids = new Set(start.ids)
    const storedBefore = new Set(start.ids)
    // Set once rows come back out of SystemModstamp order (a server that did not apply the ORDER
    // BY): a watermark moved to the newest stamp seen would skip the older rows still to come, so
    // from then on each page is stored with the watermark the sync started from, until the last.
    let unsorted = false
    let lastAt: string | null = null
    // Opportunities stored past "now - lag" by the last sync, and by this one: the query from the
    // watermark finds them again, but they are read again only once modified again.
    const storedRecently = new Map(Object.entries(start.recent ?? {}))
    const recent = new Map<string, string>()
    // Parent changes (`Account.*` segment fields) are read from here on; a sync that reads every
    // opportunity has them all as of its start (less the lag).
    let parentsSince: string | null = start.stamp === null ? safe : (start.parentsSince ?? start.stamp)
    let parentsSinceNext: string | null = safe
    const storedRecentParents = new Map(Object.entries(start.stamp === null ? {} : (start.recentParents ?? {})))
    const recentParents = new Map<string, string>()
    const stored = (s: string | null, at: Set<string>, deletedSince: string | null): string =>
      JSON.stringify({
        ...(s !== null && s > safe
          ? { stamp: safe, ids: [], deletedSince: capped(deletedSince, safe) }
          : { stamp: s, ids: [...at], deletedSince: capped(deletedSince, safe) }),
        ...(recent.size > 0 && recent.size <= MAX_RECENT ? { recent: Object.fromEntries(recent) } : {}),
        ...(currency === undefined ? {} : { currency }),
        ...(stageChange === undefined ? {} : { stageChange }),
        ...(stageChange === false && stageChangeAskedAt !== undefined ? { stageChangeAskedAt } : {}),
        parentsSince,
        ...(recentParents.size > 0 && recentParents.size <= MAX_RECENT ? { recentParents: Object.fromEntries(recentParents) } : {}),
        stages: stageNames,
        segments: segmentMappingOf(options.segments),
        timeZone: timeZoneOf(options.timeZone),
      })

    const users = new Map(knownUsers)
    // Opportunities stored by the parent pass, with the SystemModstamp they had: the query from the
    // watermark may find them again, and they are stored once.
    const readForParents = new Map<string, string | null>()
    if (parentsSince !== null) {
      const relationships = segmentParents(options.segments)
      const from = parentsSince
      // A sync that reads every opportunity stores none here, but notes those whose parent changed within the lag.
      const o = {
        store: start.stamp !== null,
        safe,
        skip: readForParents,
        storedRecently: storedRecentParents,
        recent: (key: string, parentAt: string) => void recentParents.set(key, parentAt),
        users,
      }
      for (const relationship of relationships) {
        try {
          for await (const page of parentChangePages(relationship, fields, from, o)) {
            opts.onProgress?.(`opportunities of changed ${relationship} records: ${page.deals.length}`)
            // The watermark the sync started from: a sync stopped here reads these changes again.
            yield { ...page, removedDealIds: [], watermark: stored(start.stamp, storedBefore, start.deletedSince) }
          }
        } catch (error) {
          // A server that refuses or fails the parent filter (a proxy, a test double): those changes
          // wait for a later sync, and the opportunities' own changes are read now.
          if (!(error instanceof AppError && (error.code === 'crm_bad_response' || error.code === 'crm_unavailable'))) throw error
          // What Salesforce said, without the advice about segment fields that its own queries get.
          const said = error instanceof CrmHttpError && error.body !== null ? describeBody(error.body) : userMessage(error)
          options.logger?.warn(
            { err: said },
            `Salesforce did not answer the query for opportunities of changed ${relationship} records; their segment fields stay as stored until the opportunities change`,
          )
          parentsSinceNext = parentsSince
        }
      }
    }
    parentsSince = parentsSinceNext
    let current: { raw: UnparsedPage; page?: SoqlPage } | undefined = await firstPage(plainSoql, withHistorySoql)
    let pageNo = 0
    while (current) {
      const raw: UnparsedPage = current.raw
      // Ask for the next page before parsing this one: Salesforce names it ahead of the records.
      let pending = raw.nextRecordsUrl ? quiet(api.fetchPage({ next: raw.nextRecordsUrl })) : undefined
      const page: SoqlPage = current.page ?? raw.parse()
      if (page.done) pending = undefined
      if (!pending && !page.done && page.nextRecordsUrl) pending = quiet(api.fetchPage({ next: page.nextRecordsUrl }))
      pageNo++
      // Rows from before the watermark (a server that did not apply the filter) were stored already.
      const records = page.records.filter((r) => {
        const at = toIsoInstant(fieldAt(r, 'SystemModstamp') as string | null)
        return start.stamp === null || at === null || at >= start.stamp
      })
      for (const r of records) {
        const at = toIsoInstant(fieldAt(r, 'SystemModstamp') as string | null)
        // A row modified while the cursor is read shows a newer stamp early: it moves no watermark, so it is no sign here.
        if (at === null || at > safe) continue
        if (!unsorted && lastAt !== null && at < lastAt) {
          unsorted = true
          options.logger?.warn(
            { page: pageNo },
            'Salesforce answered the Opportunity query out of SystemModstamp order; the watermark moves only once every page is stored',
          )
        }
        lastAt = at
      }
      const needHistory = records.filter((r) => historyMode === 'separate' || historyAnswer(r) === undefined).map((r) => String(r.Id))
      const newOwners = [...new Set(records.map((r) => fieldAt(r, 'OwnerId')).filter((v): v is string => typeof v === 'string'))].filter(
        (ownerId) => !users.has(ownerId),
      )
      const [separate] = await Promise.all([
        needHistory.length > 0 ? historiesOf(needHistory) : undefined,
        newOwners.length > 0 ? readUsers(newOwners, users) : undefined,
      ])
      // A page is stored in slices, each with its own watermark (the rows are in watermark order),
      // so the event loop is never held long and the next page's answer is taken in on time.
      for (let from = 0; from < Math.max(records.length, 1); from += SLICE) {
        const deals: SyncedDeal[] = []
        const owners = new Map<string, NormalizedOwner>()
        for (const r of records.slice(from, from + SLICE)) {
          const id = String(r.Id)
          const at = toIsoInstant(fieldAt(r, 'SystemModstamp') as string | null) ?? stamp
          // Stored already: at the watermark, earlier in this sync, or past the last one's watermark and not modified since.
          const known =
            at !== null &&
            ((at === start.stamp && storedBefore.has(id)) ||
              (at === stamp && ids.has(id)) ||
              storedRecently.get(id) === at ||
              readForParents.get(id) === at)
          if (at !== null && at > safe) recent.set(id, at)
          if (known) {
            // It still moves the watermark on, as a row read again would.
            if (at !== null && at <= safe && (stamp === null || at > stamp)) {
              stamp = at
              ids = new Set([id])
            } else if (at !== null && at === stamp) ids.add(id)
            continue
          }
          // The owner's name (and, when the record had no Owner.Email, email) from the User query.
          const { synced, owner } = await toDeal(r, separate, users)
          deals.push(synced)
          owners.set(owner.ownerId, owner)
          // Only stamps from before the sync count towards the watermark: a record modified while
          // the cursor is read can show a newer stamp ahead of older records still to come.
          if (at === null || at > safe) continue
          if (stamp === null || at > stamp) {
            stamp = at
            ids = new Set()
          }
          if (at === stamp) ids.add(id)
        }
        opts.onProgress?.(`opportunities page ${pageNo}: ${deals.length} changed`)
        const last = !pending && from + SLICE >= records.length
        const watermark = unsorted && !last ? stored(start.stamp, storedBefore, start.deletedSince) : stored(stamp, ids, start.deletedSince)
        yield { deals, removedDealIds: [], owners: [...owners.values()], watermark }
        await new Promise((resolve) => setImmediate(resolve))
      }
      current = pending ? { raw: await pending } : undefined
    }

    // Deleted opportunities (recycle bin) since the last look: removed from the analysis.
    const delWhere = start.deletedSince === null ? '' : ` AND ${modstampFrom(start.deletedSince)}`
    let deletedSince = start.deletedSince
    let del: SoqlPage | undefined
    try {
      del = await api.query(
        `SELECT Id, IsDeleted, SystemModstamp FROM Opportunity WHERE IsDeleted = true${delWhere} ORDER BY SystemModstamp ASC`,
        {
          all: true,
        },
      )
    } catch (error) {
      // A server without queryAll (404, 400): the opportunities are stored and the deletion
      // watermark stays where it was, so the next sync that can list deletions catches up.
      if (!isRefusedRequest(error)) throw error
      options.logger?.warn({ status: error.status }, 'Salesforce did not list deleted opportunities; none removed this time')
      opts.onProgress?.(`deleted opportunities: not listed (HTTP ${error.status}), none removed`)
      return
    }
    while (del) {
      // Only rows that say they are deleted are removed, whatever else a server sends back.
      const deleted = del.records.filter((r) => sfFlag(r.IsDeleted) === true)
      for (const r of deleted) {
        const at = toIsoInstant(r.SystemModstamp as string | null)
        if (at !== null && (deletedSince === null || at > deletedSince)) deletedSince = at
      }
      opts.onProgress?.(`deleted opportunities: ${deleted.length}`)
      const removed = deleted.map((r) => String(r.Id))
      const next: SoqlPage | undefined = !del.done && del.nextRecordsUrl ? await api.next(del.nextRecordsUrl) : undefined
      // The deletion watermark moves only once every deletion up to it is in hand.
      yield { deals: [], removedDealIds: removed, watermark: next ? null : stored(stamp, ids, deletedSince) }
      del = next
    }
  }

  return {
    name: 'salesforce',
    api,
    stageOrder: loadStages,
    // Salesforce has no owner list: the owners stored before are read again through the `User`
    // query, as an email changed there (a domain rename) touches none of their opportunities. A
    // user the query returns without an email has none now (their deals lose the old one); one it
    // does not return, or a failed query, changes nothing.
    async owners(known = []) {
      knownUsers = new Map()
      if (known.length > 0) await readUsers(known, knownUsers)
      return [...knownUsers].flatMap(([ownerId, user]) => (user ? [{ ownerId, email: user.email, name: user.name }] : []))
    },
    pages: (watermark, opts) => withStageRenames(pages(watermark, opts), () => renames),
  }
}

/** A SOQL `IN` list of quoted ids. */
function soqlList(ids: readonly string[]): string {
  return ids.map((id) => `'${id.replace(/[\\']/g, '\\$&')}'`).join(', ')
}

function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined)
  return p
}

function capped(value: string | null, safe: string): string | null {
  return value !== null && value > safe ? safe : value
}

/**
 * `SystemModstamp > <the second before iso>`: the documented form of the filter, which on
 * Salesforce's whole-second stamps reads from `iso`'s second on, so the ids stored at that stamp
 * are seen again and skipped. (The literal is unquoted, UTC, whole seconds; a row stamped within
 * that earlier second is dropped when read, as everything before the watermark is.)
 */
function modstampFrom(iso: string): string {
  return `SystemModstamp > ${secondBefore(iso).slice(0, 19)}Z`
}

/** The whole second before `iso`'s second, as an ISO instant (`2024-05-01T08:03:40.000Z` for `...08:03:41.5Z`). */
function secondBefore(iso: string): string {
  return new Date(Date.parse(`${iso.slice(0, 19)}Z`) - 1000).toISOString()
}

function parseWatermark(value: string | null): SalesforceWatermark {
  if (value === null) return { stamp: null, ids: [], deletedSince: null }
  try {
    const w = JSON.parse(value) as SalesforceWatermark
    if (Array.isArray(w.ids)) {
      const currency = typeof w.currency === 'boolean' ? { currency: w.currency } : {}
      const stageChange = typeof w.stageChange === 'boolean' ? { stageChange: w.stageChange } : {}
      const stageChangeAskedAt = typeof w.stageChangeAskedAt === 'string' ? { stageChangeAskedAt: w.stageChangeAskedAt } : {}
      const stages = w.stages !== null && typeof w.stages === 'object' ? { stages: w.stages } : {}
      const segments = w.segments !== null && typeof w.segments === 'object' ? { segments: w.segments } : {}
      const recent = w.recent !== null && typeof w.recent === 'object' && !Array.isArray(w.recent) ? { recent: w.recent } : {}
      const timeZone = typeof w.timeZone === 'string' ? { timeZone: w.timeZone } : {}
      const parentsSince = typeof w.parentsSince === 'string' ? { parentsSince: w.parentsSince } : {}
      const recentParents =
        w.recentParents !== null && typeof w.recentParents === 'object' && !Array.isArray(w.recentParents)
          ? { recentParents: w.recentParents }
          : {}
      return {
        stamp: w.stamp ?? null,
        ids: w.ids,
        deletedSince: w.deletedSince ?? null,
        ...currency,
        ...stageChange,
        ...stageChangeAskedAt,
        ...stages,
        ...segments,
        ...recent,
        ...timeZone,
        ...parentsSince,
        ...recentParents,
      }
    }
  } catch {
    // an unreadable watermark means a full sync, which is always safe
  }
  return { stamp: null, ids: [], deletedSince: null }
}
