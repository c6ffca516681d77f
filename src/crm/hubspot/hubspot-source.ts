import type { SegmentMapping } from '../../config.js'
import type { NormalizedOwner, SyncedDeal } from '../../domain/normalized-deal.js'
import { type StageRename, stageRenames } from '../../domain/stage-renames.js'
import type { StageDefinition } from '../../domain/stages-from-names.js'
import { AppError } from '../../errors.js'
import type { Logger } from '../../log/create-logger.js'
import type { CrmSource, PagesOptions, SyncPage } from '../crm-source.js'
import { type Clock, systemClock } from '../http/clock.js'
import { isRefusedRequest } from '../http/crm-http.js'
import { segmentMappingChanges, segmentMappingOf } from '../segment-mapping-changes.js'
import { timeZoneChange, timeZoneOf } from '../time-zone-change.js'
import { withStageRenames } from '../with-stage-renames.js'
import {
  createHubspotApi,
  type HubspotApi,
  type HubspotDeal,
  type HubspotFilter,
  type HubspotLimits,
  type HubspotPipelines,
} from './hubspot-api.js'
import {
  type HubspotStage,
  type HubspotStageIndex,
  hubspotDealProperties,
  hubspotStageOrder,
  mapHubspotDeal,
  mergedDealIds,
  stageEnteredProperties,
} from './map-hubspot-deal.js'

/** Options of {@link createHubspotSource}. */
export interface HubspotSourceOptions {
  token: string
  baseUrl: string
  segments: SegmentMapping
  limits?: Partial<HubspotLimits>
  clock?: Clock
  fetch?: typeof fetch
  timeoutMs?: number
  backoffBaseMs?: number
  logger?: Logger
  /**
   * How far behind "now" the stored watermark stays (default 60 s): HubSpot's search index lags
   * writes by seconds, so the next sync re-reads that last minute instead of missing a late record.
   */
  searchLagMs?: number
  /** Search page size (HubSpot's maximum, 200). */
  pageSize?: number
  /** Deals per batch read with history (50: history lowers HubSpot's per-request maximum). */
  batchSize?: number
  /** Search pages read ahead while earlier pages are batch-read and stored (default 3). */
  readAhead?: number
  /** The team's time zone (`PULSE_TZ`, default UTC): datetimes are stored as their day there. */
  timeZone?: string
  /**
   * `HUBSPOT_PIPELINE`: the one deal pipeline to read, by id or label (any case). Its stages alone
   * make the stage order, and deals of other pipelines are left out (removed when stored).
   * Undefined: every pipeline.
   */
  pipeline?: string
}

/**
 * The watermark: `ts` is an `hs_lastmodifieddate` in epoch ms; every deal modified before it is
 * stored, and so are `ids` at exactly `ts` (`past`: all of `ts` is stored).
 */
interface HubspotWatermark {
  ts: number
  ids: string[]
  past?: boolean
  /** The pipeline id the sync was limited to (`HUBSPOT_PIPELINE`); absent: every pipeline. */
  pipeline?: string
  /**
   * What each stage (`pipelineId:stageId`) was called, and whether it was closed or won, when the
   * deals up to `ts` were stored ({@link stageNames}); absent in watermarks of earlier versions.
   */
  stages?: Record<string, string>
  /** The deal property each segment was read from (`HUBSPOT_REGION_PROPERTY`, ...); absent in watermarks of earlier versions. */
  segments?: SegmentMapping
  /** The time zone (`PULSE_TZ`) the deals' dates were read in; absent in watermarks of earlier versions. */
  timeZone?: string
  /**
   * Deals already stored that the next search from `ts` finds again (modified within the search
   * lag, past `ts`), each with the `hs_lastmodifieddate` stored: read again only once it changed.
   */
  recent?: Record<string, number>
}

const TS = 'hs_lastmodifieddate'

/** At most this many deals are remembered in the watermark as stored past it (more are read again instead). */
const MAX_RECENT = 5000

/** Up to this many active pipelines are each asked whether they hold a deal (one search each); more are all kept. */
const MAX_PIPELINES_CHECKED = 10

/**
 * HubSpot as a {@link CrmSource}. Changed deals are found with the search endpoint
 * (`hs_lastmodifieddate` ascending, 200 a page), each page being a new search from the last
 * timestamp seen, so the 10,000-result cap is never reached and deals modified mid-sync (which
 * move to the end of the order) are not skipped; deals sharing that millisecond are remembered
 * by id, and a millisecond holding more deals than a page of the server's is drained by
 * `hs_object_id`. A server that shows it ignores the filter is paged with its own `after` cursor;
 * one that shows it ignores the sort (a page out of order) is read in full from the stored
 * watermark the same way, the watermark moving only with the last page.
 * The deals of each page are then batch-read with `propertiesWithHistory=dealstage`. Archived
 * deals are removed.
 */
export function createHubspotSource(options: HubspotSourceOptions): CrmSource & { readonly api: HubspotApi } {
  const clock = options.clock ?? systemClock
  const api = createHubspotApi({ ...options, clock })
  const pageSize = options.pageSize ?? 200
  const batchSize = options.batchSize ?? 50
  const readAhead = Math.max(1, options.readAhead ?? 3)
  const lagMs = options.searchLagMs ?? 60_000
  const properties = hubspotDealProperties(options.segments)
  let stageIndex: HubspotStageIndex | undefined
  let ownerEmails: Map<string, string | null> | undefined
  // The id of the pipeline `options.pipeline` names, once the pipelines are read.
  let onlyPipeline: string | undefined
  let notes: string[] = []
  // The stage names of this sync's pipelines, stored with every watermark.
  let names: Record<string, string> = {}
  // The stages renamed since the stored watermark, found as a sync starts.
  let renames: StageRename[] = []

  async function loadStages(): Promise<{ order: StageDefinition[]; index: HubspotStageIndex }> {
    const pipelines = await api.pipelines()
    onlyPipeline = options.pipeline === undefined ? undefined : chosenPipeline(pipelines, options.pipeline)
    const inUse = onlyPipeline === undefined ? await pipelinesInUse(pipelines) : new Set([onlyPipeline])
    const result = hubspotStageOrder(pipelines, inUse)
    notes = onlyPipeline === undefined ? mixedPipelinesNote(pipelines, inUse) : []
    stageIndex = result.index
    names = stageNames(result.index)
    return result
  }

  /**
   * Keeps the stages an earlier sync stored (`stored`: its watermark's {@link stageNames}) that
   * HubSpot no longer lists: HubSpot deletes a stage, or a whole pipeline, outright once its deals
   * have moved on, but their stage histories still name it by id. With its label and kind kept in
   * the index (and in the watermarks this sync stores), a history read again shows the stage's
   * name, as it did before, instead of a bare id such as `98327463`.
   */
  function rememberStages(stored: Record<string, string> | undefined): void {
    const index = stageIndex as HubspotStageIndex
    for (const [key, entry] of Object.entries(stored ?? {})) {
      if (names[key] !== undefined || typeof entry !== 'string' || !/^[OWL]:./.test(entry) || !key.includes(':')) continue
      const stage: HubspotStage = { label: entry.slice(2), isClosed: entry[0] !== 'O', isWon: entry[0] === 'W' }
      const id = key.slice(key.indexOf(':') + 1)
      index.byKey.set(key, stage)
      if (!index.byId.has(id)) index.byId.set(id, stage)
      if (stage.isClosed) index.closedLabels.add(stage.label)
      names[key] = entry
    }
  }

  // A deal of another pipeline than the one the sync is limited to (one without a pipeline is kept).
  const elsewhere = (d: HubspotDeal) => onlyPipeline !== undefined && !!d.properties.pipeline && d.properties.pipeline !== onlyPipeline

  /**
   * The active pipelines holding at least one deal, when there are several: a pipeline nobody uses
   * would otherwise put its stages in the one stage order, and a funnel would count every deal as
   * passing through them. Undefined (keep every pipeline) for a single one, for more than
   * {@link MAX_PIPELINES_CHECKED}, or when no search finds a deal (a server that cannot filter by pipeline).
   */
  async function pipelinesInUse(pipelines: HubspotPipelines): Promise<Set<string> | undefined> {
    const active = pipelines.results.filter((p) => !p.archived)
    if (active.length < 2 || active.length > MAX_PIPELINES_CHECKED) return undefined
    const used = new Set<string>()
    for (const p of active) {
      let found: number
      try {
        found = (await search([{ propertyName: 'pipeline', operator: 'EQ', value: p.id }], TS, undefined, 1)).results.length
      } catch (error) {
        // A server that refuses this filter (400): every pipeline is kept, as before.
        if (isRefusedRequest(error)) return undefined
        throw error
      }
      if (found > 0) used.add(p.id)
    }
    return used.size > 0 ? used : undefined
  }

  async function loadOwners(): Promise<NormalizedOwner[]> {
    const out = new Map<string, NormalizedOwner>()
    for (const archived of [true, false]) {
      let after: string | undefined
      const used = new Set<string>()
      do {
        const page = await api.owners(after, archived)
        for (const o of page.results) {
          const name = [o.firstName, o.lastName].filter(Boolean).join(' ')
          out.set(o.id, { ownerId: o.id, email: o.email?.trim().toLowerCase() || null, name: name === '' ? null : name })
        }
        after = nextCursor(used, page.paging?.next?.after, page.results.length, 'GET /crm/v3/owners')
      } while (after !== undefined)
    }
    ownerEmails = new Map([...out.values()].map((o) => [o.ownerId, o.email]))
    return [...out.values()]
  }

  /**
   * Batch-reads the deals a search found, with their stage history. A deal the batch read marks
   * archived is removed; one it leaves out is stored as the search showed it, without history
   * (if it was archived meanwhile, the archived list at the end of the sync removes it).
   */
  async function readDeals(found: readonly HubspotDeal[]): Promise<{ deals: SyncedDeal[]; missing: string[] }> {
    const ids = found.filter((d) => !elsewhere(d)).map((d) => d.id)
    const chunks: string[][] = []
    for (let i = 0; i < ids.length; i += batchSize) chunks.push(ids.slice(i, i + batchSize))
    const stageOf = new Map(found.map((d) => [d.id, d.properties.dealstage]))
    // Each deal's stage-entered date, for one whose history does not come (the stages the search showed).
    const withEntered = (c: readonly string[]) => [
      ...properties,
      ...new Set(c.flatMap((id) => (stageOf.get(id) ? stageEnteredProperties(stageOf.get(id) as string) : []))),
    ]
    const results = await Promise.all(chunks.map((c) => api.batchReadDeals(c, withEntered(c), ['dealstage'])))
    const read = new Map(results.flat().map((d) => [d.id, d]))
    const deals: SyncedDeal[] = []
    const missing: string[] = []
    for (const fromSearch of found) {
      const batch = read.get(fromSearch.id)
      // The batch read is the fresher answer; a property it leaves out keeps the search's value.
      const d = batch ? { ...batch, properties: { ...fromSearch.properties, ...batch.properties } } : fromSearch
      // Deals merged into this one are gone from HubSpot without being listed as archived.
      missing.push(...mergedDealIds(d))
      // Archived, or in a pipeline the sync leaves out (moved there since it was stored): removed.
      if (d.archived || elsewhere(d)) missing.push(d.id)
      else deals.push(mapHubspotDeal(d, stageIndex as HubspotStageIndex, ownerEmails ?? new Map(), options.segments, options.timeZone))
    }
    return { deals, missing }
  }

  // Searches ask for every property the sync stores, so a deal the batch read leaves out is still stored.
  const search = (filters: HubspotFilter[], sortBy = TS, after?: string, limit = pageSize) =>
    api.searchDeals({ filters, sortBy, properties, limit, after })

  async function* pages(watermark: string | null, opts: PagesOptions = {}): AsyncIterable<SyncPage> {
    if (!stageIndex) await loadStages()
    if (!ownerEmails) await loadOwners()
    // A watermark of a sync limited to another pipeline (or to none) says nothing of this one's deals: read them all.
    let start = parseWatermark(watermark, onlyPipeline)
    // The stages earlier syncs knew, whatever pipeline they were limited to; a full sync starts
    // from no watermark, but the one it replaced still names them.
    for (const earlier of [watermark, opts.replaced]) if (earlier != null) rememberStages(storedStages(earlier))
    // A stage renamed (or closed or reopened) in HubSpot touches none of its deals, so no search
    // finds them: every deal is read again, so that stored deals and histories carry the new name.
    const renamed = Object.entries(start.stages ?? {}).filter(([key, was]) => names[key] !== undefined && names[key] !== was)
    // A renamed stage is the same stage: the stored deals and stays under its old label take the new
    // one, so a deal read again without history is not taken to have changed stage (a full sync
    // compares with the watermark it replaced).
    const lastStages = storedStages(watermark ?? opts.replaced ?? 'null')
    renames = lastStages ? stageRenames(lastStages, names) : []
    // A segment read from another property now (`HUBSPOT_REGION_PROPERTY` changed): the deals
    // stored before hold the old property's values, and only changed deals would be read again.
    const remapped = segmentMappingChanges(start.segments, options.segments, 'HUBSPOT_{}_PROPERTY')
    if (renamed.length > 0) {
      const list = renamed.map(([key, was]) => stageChange(was, names[key] as string)).join(', ')
      // A warning, so that `pulse sync` tells on stderr why this sync reads everything.
      options.logger?.warn(`HubSpot stages changed since the last sync (${list}): reading every deal again`)
    }
    if (remapped.length > 0)
      options.logger?.warn(`Segment properties changed since the last sync (${remapped.join(', ')}): reading every deal again`)
    // Another PULSE_TZ: the stored deals' dates are the days their timestamps fell on in the old zone.
    const rezoned = timeZoneChange(start.timeZone, options.timeZone)
    if (rezoned !== null) options.logger?.warn(`${rezoned} since the last sync: reading every deal again to date it in the new zone`)
    if (renamed.length > 0 || remapped.length > 0 || rezoned !== null) start = { ts: 0, ids: [] }
    const safeTs = clock.now() - lagMs
    const kept = {
      ...(onlyPipeline === undefined ? {} : { pipeline: onlyPipeline }),
      stages: names,
      segments: segmentMappingOf(options.segments),
      timeZone: timeZoneOf(options.timeZone),
    }
    // Deals stored past "now - lag" by the last sync, and by this one: the search from the
    // watermark finds them again, but they are read again only once modified again.
    const storedRecently = new Map(Object.entries(start.recent ?? {}))
    const recent = new Map<string, number>()
    // What may be stored: never past "now - lag", so a record the index shows late is re-read.
    const stored = (ts: number, ids: Set<string>, past: boolean): string =>
      JSON.stringify(
        ts <= safeTs
          ? { ts, ids: past ? [] : [...ids], ...(past ? { past } : {}), ...kept }
          : {
              ts: safeTs,
              ids: [],
              ...(recent.size > 0 && recent.size <= MAX_RECENT ? { recent: Object.fromEntries(recent) } : {}),
              ...kept,
            },
      )

    const origin = { ts: start.ts, seen: new Set(start.ids), past: start.past ?? false }
    let cursor = origin
    type Pending = { read: Promise<{ deals: SyncedDeal[]; missing: string[] }>; watermark: string }
    const queue: Pending[] = []
    const quiet = <T>(p: Promise<T>) => {
      p.catch(() => undefined)
      return p
    }
    const fromCursor = (): HubspotFilter[] => [{ propertyName: TS, operator: cursor.past ? 'GT' : 'GTE', value: String(cursor.ts) }]
    // Set once the server shows it did not apply our filter (a page starting before the cursor):
    // from then on its own `after` cursor is followed, which any server honours.
    let followAfter = false
    // Set once a page comes back out of `hs_lastmodifieddate` order (a server that did not apply
    // our sort): a search from the last timestamp seen would skip the earlier deals still to come,
    // so one search from the stored watermark is read to its end through the server's `after`, and
    // the watermark moves only with its last page.
    let unsorted = false
    const usedAfter = new Set<string>()
    // The `after` the search being answered was sent with (none for a new search).
    let askedAfter: string | undefined
    const drained = new Set<number>()
    let filters = fromCursor()
    let next = quiet(search(filters))
    let searches = 0
    for (;;) {
      let res: Awaited<typeof next>
      try {
        res = await next
      } catch (error) {
        // Pages already searched (and being read) are handed on before the failure ends the
        // sync: they are stored with their watermarks, so a rerun resumes after them.
        while (queue.length > 0) yield await finish(queue.shift() as Pending)
        throw error
      }
      searches++
      const rows = res.results.map((r) => ({ id: r.id, ts: tsOf(r.properties[TS] ?? r.updatedAt) }))
      const nextAfter = rows.length > 0 ? (res.paging?.next?.after ?? undefined) : undefined
      if (!unsorted && rows.some((r, i) => i > 0 && r.ts < (rows[i - 1] as { ts: number }).ts)) {
        unsorted = true
        followAfter = true
        options.logger?.warn(
          { searches },
          'HubSpot search did not sort by hs_lastmodifieddate; reading every page from the stored watermark',
        )
        if (searches > 1) {
          // Earlier searches started from timestamps this server's order says nothing about: start over.
          cursor = origin
          filters = fromCursor()
          usedAfter.clear()
          askedAfter = undefined
          next = quiet(search(filters))
          continue
        }
      }
      // Without the server's order, what is new is measured against the stored watermark alone.
      const from = unsorted ? origin : cursor
      const isNew = (r: { id: string; ts: number }) => r.ts > from.ts || (r.ts === from.ts && !from.past && !from.seen.has(r.id))
      // Past the cursor (what moves it on), and of those the deals not stored as they are now.
      const beyond = rows.filter(isNew)
      const fresh = beyond.filter((r) => storedRecently.get(r.id) !== r.ts)
      if (!followAfter && nextAfter !== undefined && rows.some((r) => r.ts < cursor.ts)) {
        followAfter = true
        options.logger?.warn({ searches }, 'HubSpot search ignored the hs_lastmodifieddate filter; following its paging cursor instead')
      }
      const allAtCursor = rows.every((r) => r.ts === cursor.ts)
      if (!followAfter && nextAfter !== undefined && allAtCursor && (beyond.length === 0 || rows.length >= pageSize)) {
        if (drained.has(cursor.ts)) {
          followAfter = true
        } else {
          // A page (or more) of deals share one millisecond: drain it by id, then go past it.
          while (queue.length > 0) yield await finish(queue.shift() as Pending)
          for await (const page of drainMillisecond(cursor.ts, cursor.seen, stored, opts)) yield page
          drained.add(cursor.ts)
          cursor = { ts: cursor.ts, seen: new Set(), past: true }
          filters = fromCursor()
          askedAfter = undefined
          next = quiet(search(filters))
          continue
        }
      }

      // Stored with this page (those past the watermark it may keep are remembered with it).
      for (const r of beyond) if (r.ts >= safeTs) recent.set(r.id, r.ts)
      const maxTs = beyond.reduce((m, r) => Math.max(m, r.ts), cursor.ts)
      const seenAtMax = maxTs === cursor.ts ? new Set(cursor.seen) : new Set<string>()
      for (const r of beyond) if (r.ts === maxTs) seenAtMax.add(r.id)
      cursor = { ts: maxTs, seen: seenAtMax, past: cursor.past && maxTs === cursor.ts }
      // Normally every page is a new search from the cursor (a deal modified meanwhile moves to the
      // end of the order and would shift offsets); a page that brought nothing new ends the search.
      const more = nextAfter !== undefined && (followAfter || beyond.length > 0)
      if (more && followAfter) {
        const to = nextAfter as string
        // A cursor that leads back would page for ever, and ending there would move the watermark
        // past deals never read: the pages read so far are stored, then the sync stops.
        next = leadsBack(usedAfter, askedAfter, to)
          ? quiet(Promise.reject(pagingLoop('the deals search', to, usedAfter.size + 1)))
          : quiet(search(filters, TS, to))
        usedAfter.add(to)
        askedAfter = to
      } else if (more) {
        filters = fromCursor()
        next = quiet(search(filters))
        askedAfter = undefined
      }
      const found = new Map(res.results.map((r) => [r.id, r]))
      queue.push({
        read: quiet(readDeals(fresh.map((r) => found.get(r.id) as HubspotDeal))),
        watermark: unsorted && more ? stored(origin.ts, origin.seen, origin.past) : stored(cursor.ts, cursor.seen, cursor.past),
      })
      opts.onProgress?.(`search page ${searches}: ${fresh.length} changed deals`)
      if (!more) break
      if (queue.length >= readAhead) yield await finish(queue.shift() as Pending)
    }
    while (queue.length > 0) yield await finish(queue.shift() as Pending)

    // Archived deals are not in search results: list them and take them out of the analysis.
    let after: string | undefined
    const usedArchived = new Set<string>()
    do {
      let page: Awaited<ReturnType<HubspotApi['listArchivedDeals']>>
      try {
        page = await api.listArchivedDeals(after, 100)
      } catch (error) {
        // A server that does not list archived deals (404, 400): the deals are stored, and the
        // list is read in full on every sync, so the removals wait for one that answers.
        if (!isRefusedRequest(error)) throw error
        options.logger?.warn({ status: error.status }, 'HubSpot did not list archived deals; none removed this time')
        opts.onProgress?.(`archived deals: not listed (HTTP ${error.status}), none removed`)
        return
      }
      opts.onProgress?.(`archived deals: ${page.results.length}`)
      // Only deals that say they are archived: a server that ignored `archived=true` lists live ones.
      const archived = page.results.filter((d) => d.archived !== false).map((d) => d.id)
      if (archived.length > 0) yield { deals: [], removedDealIds: archived, watermark: null }
      after = nextCursor(usedArchived, page.paging?.next?.after, page.results.length, 'GET /crm/v3/objects/deals?archived=true')
    } while (after !== undefined)
  }

  /**
   * The `after` of a list's next page, added to `used` (the cursors this listing has asked with);
   * none once the server sends an empty page or a cursor it sent before (a loop, A -> B -> A, that
   * would page for ever), so a list always ends. A loop is logged: the pages past it are not read.
   */
  function nextCursor(used: Set<string>, next: string | null | undefined, results: number, endpoint: string): string | undefined {
    if (next == null || results === 0) return undefined
    if (used.has(next)) {
      options.logger?.warn(
        { endpoint, after: next.slice(0, 80), pages: used.size + 1 },
        'HubSpot paging came back to a cursor it sent before; the list ends there',
      )
      return undefined
    }
    used.add(next)
    return next
  }

  async function finish(p: { read: Promise<{ deals: SyncedDeal[]; missing: string[] }>; watermark: string }): Promise<SyncPage> {
    const { deals, missing } = await p.read
    return { deals, removedDealIds: missing, watermark: p.watermark }
  }

  /**
   * Reads every deal modified at exactly `ts` in `hs_object_id` order, past the ids already stored.
   * A server that shows it did not apply the id filter or sort (a row of another millisecond, an id
   * not past the last one, ids out of order: a proxy or test double) would make that order skip
   * deals: the millisecond is then read through the server's own `after` cursor to its end instead.
   */
  async function* drainMillisecond(
    ts: number,
    already: ReadonlySet<string>,
    stored: (ts: number, ids: Set<string>, past: boolean) => string,
    opts: PagesOptions,
  ): AsyncIterable<SyncPage> {
    let lastId = '0'
    const done = new Set(already)
    // Set once the server shows it ignores the id filter or sort: its `after` cursor is followed.
    let byCursor = false
    let after: string | undefined
    const usedAfter = new Set<string>()
    const idOf = (r: { id: string }) => Number(r.id)
    for (;;) {
      const res = byCursor
        ? await search([{ propertyName: TS, operator: 'EQ', value: String(ts) }], 'hs_object_id', after)
        : await search(
            [
              { propertyName: TS, operator: 'EQ', value: String(ts) },
              { propertyName: 'hs_object_id', operator: 'GT', value: lastId },
            ],
            'hs_object_id',
          )
      const rows = res.results
      if (
        !byCursor &&
        rows.some(
          (r, i) =>
            tsOf(r.properties[TS] ?? r.updatedAt) !== ts ||
            idOf(r) <= Number(lastId) ||
            (i > 0 && idOf(r) <= idOf(rows[i - 1] as { id: string })),
        )
      ) {
        byCursor = true
        options.logger?.warn('HubSpot search ignored the hs_object_id filter or sort; reading the millisecond through its paging cursor')
        continue
      }
      // Only the deals of this millisecond (a server ignoring the filter answers with others too).
      const fresh = rows.filter((r) => !done.has(r.id) && (!byCursor || tsOf(r.properties[TS] ?? r.updatedAt) === ts))
      for (const r of fresh) done.add(r.id)
      const last = rows[rows.length - 1]
      const nextAfter = rows.length > 0 ? (res.paging?.next?.after ?? undefined) : undefined
      let more: boolean
      let loop: AppError | undefined
      if (byCursor) {
        more = nextAfter !== undefined
        // A cursor that leads back would page for ever, and ending there would mark the millisecond
        // read: this page is stored, then the sync stops.
        if (nextAfter !== undefined && leadsBack(usedAfter, after, nextAfter)) {
          loop = pagingLoop(`the deals search of ${new Date(ts).toISOString()}`, nextAfter, usedAfter.size + 1)
        }
        if (nextAfter !== undefined) usedAfter.add(nextAfter)
        after = nextAfter
      } else {
        // A page ending where the last one ended (a server ignoring the id filter) ends the drain instead of looping.
        more = res.paging?.next != null && last !== undefined && last.id !== lastId
        if (last) lastId = last.id
      }
      const { deals, missing } = await readDeals(fresh)
      opts.onProgress?.(`draining ${new Date(ts).toISOString()}: ${fresh.length} deals`)
      yield { deals, removedDealIds: missing, watermark: more ? stored(ts, done, false) : stored(ts, done, true) }
      if (loop) throw loop
      if (!more) return
    }
  }

  return {
    name: 'hubspot',
    api,
    async stageOrder() {
      return (await loadStages()).order
    },
    notes() {
      return notes
    },
    owners: loadOwners,
    pages: (watermark, opts) => withStageRenames(pages(watermark, opts), () => renames),
  }
}

/**
 * Whether a search's `paging.next.after` leads back: a cursor this search was sent before
 * (`used`), or an offset (HubSpot's search cursors are offsets) not past the one the page was
 * asked with (`asked`; none: the first page, offset 0).
 */
function leadsBack(used: ReadonlySet<string>, asked: string | undefined, next: string): boolean {
  if (used.has(next)) return true
  const offset = /^\d+$/
  return offset.test(next) && (asked === undefined || offset.test(asked)) && Number(next) <= Number(asked ?? 0)
}

/** The error of a search whose paging came back to `after` after `pages` pages. */
function pagingLoop(what: string, after: string, pages: number): AppError {
  return new AppError(
    'crm_bad_response',
    `HubSpot's paging of ${what} came back to a cursor it had already sent (after ${JSON.stringify(after.slice(0, 80))}, after ${pages} pages), so it would never end; the sync stops. Check that HUBSPOT_API_URL is HubSpot's API (https://api.hubapi.com, the default), not a proxy or cache in front of it. The deals stored so far are kept; the next sync resumes from there.`,
  )
}

function parseWatermark(value: string | null, pipeline: string | undefined): HubspotWatermark {
  if (value === null) return { ts: 0, ids: [] }
  try {
    const w = JSON.parse(value) as HubspotWatermark
    if (typeof w.ts === 'number' && Array.isArray(w.ids) && w.pipeline === pipeline) {
      return w.recent !== null && typeof w.recent === 'object' && !Array.isArray(w.recent) ? w : { ...w, recent: undefined }
    }
  } catch {
    // fall through: an unreadable watermark means a full sync, which is always safe
  }
  return { ts: 0, ids: [] }
}

/** The stage names (see {@link stageNames}) a stored watermark holds, whatever pipeline it was limited to; none when unreadable. */
function storedStages(value: string): Record<string, string> | undefined {
  try {
    const stages = (JSON.parse(value) as { stages?: unknown } | null)?.stages
    return stages !== null && typeof stages === 'object' && !Array.isArray(stages) ? (stages as Record<string, string>) : undefined
  } catch {
    return undefined
  }
}

/** Each stage (`pipelineId:stageId`) as `O|W|L:label` (open, won, lost), for the watermark. */
function stageNames(index: HubspotStageIndex): Record<string, string> {
  return Object.fromEntries([...index.byKey].map(([key, s]) => [key, `${s.isClosed ? (s.isWon ? 'W' : 'L') : 'O'}:${s.label}`]))
}

/** A stage's change between two {@link stageNames} entries, in words: `"Qualified To Buy" is now "Qualified"`. */
function stageChange(was: string, now: string): string {
  const kind = { O: 'open', W: 'won', L: 'lost' } as Record<string, string>
  const [wasLabel, nowLabel] = [was.slice(2), now.slice(2)]
  return wasLabel === nowLabel ? `"${nowLabel}" is now ${kind[now[0] as string]}` : `"${wasLabel}" is now "${nowLabel}"`
}

function tsOf(value: string | null | undefined): number {
  if (value === null || value === undefined) return 0
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value)
  return Number.isNaN(t) ? 0 : t
}

/**
 * The note of a sync that reads several active pipelines into one stage order (no
 * `HUBSPOT_PIPELINE`): their open stages follow one another, so a funnel mixes them. `inUse`: the
 * pipelines known to hold deals (undefined: every active one is kept). Empty for one pipeline.
 */
function mixedPipelinesNote(pipelines: HubspotPipelines, inUse: ReadonlySet<string> | undefined): string[] {
  const read = pipelines.results
    .filter((p) => !p.archived && (inUse === undefined || inUse.has(p.id)))
    .sort((a, b) => a.displayOrder - b.displayOrder)
  if (read.length < 2) return []
  const names = read.map((p) => `"${p.label.trim()}"`)
  const listed = names.length > 4 ? `${names.slice(0, 4).join(', ')} and ${names.length - 4} more` : names.join(', ')
  return [
    `Deals come from ${read.length} pipelines (${listed}): their stages make one stage order, one pipeline's after another's, so the funnel and the late stages of the losses report mix them. Set HUBSPOT_PIPELINE to the one pipeline to analyse.`,
  ]
}

/**
 * The id of the pipeline `wanted` names: its id, or its label in any case.
 * @throws AppError `bad_config` naming the account's pipelines when none matches, or when it is archived.
 */
function chosenPipeline(pipelines: HubspotPipelines, wanted: string): string {
  const byId = pipelines.results.find((p) => p.id === wanted)
  const match = byId ?? pipelines.results.find((p) => p.label.trim().toLowerCase() === wanted.toLowerCase())
  const named = pipelines.results
    .filter((p) => !p.archived)
    .map((p) => `${p.label} (${p.id})`)
    .join(', ')
  if (match === undefined) {
    throw new AppError(
      'bad_config',
      `HUBSPOT_PIPELINE "${wanted}" names no deal pipeline of this HubSpot account. Its pipelines: ${named || 'none'}. Set it to one of those labels or ids, or leave it unset to read every pipeline.`,
    )
  }
  if (match.archived) {
    throw new AppError(
      'bad_config',
      `HUBSPOT_PIPELINE "${wanted}" names a pipeline that is archived in HubSpot. Its active pipelines: ${named || 'none'}. Set it to one of those, or leave it unset to read every pipeline.`,
    )
  }
  return match.id
}
