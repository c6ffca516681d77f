import type { Config } from '../config.js'
import { requireSettings } from '../config.js'
import type { CrmSource } from '../crm/crm-source.js'
import type { Clock } from '../crm/http/clock.js'
import { stopOnAbort } from '../crm/http/stop-on-abort.js'
import { createHubspotSource } from '../crm/hubspot/hubspot-source.js'
import { createSalesforceSource } from '../crm/salesforce/salesforce-source.js'
import { beginSyncRun, finishSyncRun } from '../db/begin-sync-run.js'
import { findSourceOwnerIds } from '../db/find-source-owner-ids.js'
import { findSourceStages } from '../db/find-source-stages.js'
import { isRollupStale } from '../db/is-rollup-stale.js'
import type { Store } from '../db/open-store.js'
import { refreshAnalyticsRollup } from '../db/refresh-analytics-rollup.js'
import { findStageOrder, saveStageOrder } from '../db/save-stage-order.js'
import type { DealSource } from '../db/schema.js'
import {
  beginFullSync,
  findFullSyncStart,
  findWatermark,
  finishFullSync,
  type KeptApart,
  storeOwners,
  storeSyncPage,
  type TakenOver,
} from '../db/store-sync-page.js'
import { sourceInWords } from '../domain/crm-deal-key.js'
import { crmName } from '../domain/crm-name.js'
import type { SyncedDeal } from '../domain/normalized-deal.js'
import { renamesInStoredSpellings } from '../domain/stage-renames.js'
import { stageSpelling } from '../domain/stage-spelling.js'
import { AppError, userMessage } from '../errors.js'
import type { Logger } from '../log/create-logger.js'

/** How old an owner's stored email may be before a sync asks the CRM about it again (a day). */
export const OWNER_RECHECK_MS = 24 * 60 * 60 * 1000

/** Options of {@link syncCrm}. */
export interface SyncOptions {
  /**
   * Forget the watermark and read everything; deals the CRM no longer has are removed at the end.
   * A full sync stopped part-way is not begun again: the next sync, full or not, finishes it
   * (see `findFullSyncStart`).
   */
  full?: boolean
  startedBy?: string | null
  now?: () => Date
  logger?: Logger
  /** A line per page / request batch, for progress on stderr. */
  onProgress?: (note: string, totals: { pages: number; deals: number; removed: number }) => void
  /**
   * Once aborted (a `pulse serve` shutting down), the sync stops after the page it is storing,
   * or at once when it was waiting on the CRM (a source built with this signal, see
   * `SourceOverrides.signal`): the run is recorded as `interrupted` and the next sync resumes
   * from the stored watermark. A
   * full sync stopped so removes nothing yet (it has not seen every deal): the next sync finishes it.
   */
  signal?: AbortSignal
}

/** What a sync did (also stored in `sync_runs`). */
export interface SyncSummary {
  runId: number
  source: DealSource
  mode: 'full' | 'incremental'
  pages: number
  deals: number
  removed: number
  owners: number
  stages: number
  rejected: number
  seconds: number
  /** Stopped early by `options.signal`; the next sync resumes from the last stored page. */
  stopped?: boolean
  /**
   * What the source said about how it read the CRM ({@link CrmSource.notes}), that this sync
   * finished a full sync stopped part-way, and how many lost deals came in at a closed stage
   * (`lostAtClosedStage`); absent when nothing.
   */
  notes?: string[]
  /**
   * Lost deals this sync stored at a stage that is not open (`Closed Lost`), by stage: the CRM gave
   * no stage history showing an open stage (a batch read without `propertiesWithHistory`, say), so
   * where they were lost is not known, as for a CSV lost deal left at a closed stage. Absent when none.
   */
  lostAtClosedStage?: Array<{ stage: string; deals: number }>
  /**
   * Deals of this CRM whose id another source already holds (a CSV import's deal, the other
   * CRM's): each is stored under `<source>:<id>` (`hubspot:1001`) so neither replaces the other
   * (see `crmDealKey`), and a note says so. Absent when none.
   */
  keptApart?: number
  /**
   * CSV deals this sync took over: the CRM's deals of the same id, created the same day (the CSV
   * was an export of the CRM), so the sync keeps them up to date. Absent when none.
   */
  takenOver?: number
  /**
   * Owners of this CRM first stored this sync under `<source>:<id>` (`hubspot:42`): another
   * person of another source (a CSV import's `sales_rep_id`) holds their id (see `crmOwnerKey`), and
   * a note says so. Absent when none.
   */
  ownersKeptApart?: number
}

/**
 * Pulls what changed in `source` since its stored watermark into the store: stage order, owners,
 * then page by page the deals with their stage history and the removals, each page in one
 * transaction with the watermark that covers it. Killed at any point, the next run resumes from
 * the last stored page: nothing is lost or duplicated. The run is recorded in `sync_runs`.
 *
 * @throws AppError from the source (`crm_auth`, `crm_rate_limited`, `crm_unavailable`,
 *   `crm_bad_response`); the run is then recorded as failed with that message.
 */
export async function syncCrm(store: Store, source: CrmSource, options: SyncOptions = {}): Promise<SyncSummary> {
  const now = options.now ?? (() => new Date())
  const started = performance.now()
  // A full sync stopped part-way (a kill, an error) is still under way: this sync, full or not,
  // reads on from its last stored page and, at the end, removes what the CRM no longer has.
  const unfinished = await findFullSyncStart(store.db, source.name)
  const full = options.full === true || unfinished !== null
  const mode = full ? 'full' : 'incremental'
  const runId = await beginSyncRun(store.db, { source: source.name, mode, startedBy: options.startedBy ?? null, now: now() })
  const totals = { pages: 0, deals: 0, removed: 0 }
  // Owners counted once each, whether the CRM lists them or its deals name them page after page.
  const ownerIds = new Set<string>()
  let stages = 0
  let rejected = 0
  let stopped = false
  let notes: string[] = []
  // Lost deals stored at a stage that is not open, by stage (each deal once, however many pages list it).
  const lostAtClosed = new Map<string, Set<string>>()
  // Deals stored apart from another source's deal with the same id, by their CRM id.
  const keptApart = new Map<string, KeptApart>()
  const takenOver = new Map<string, TakenOver>()
  const ownersKeptApart = new Map<string, KeptApart>()
  const recordStop = async () => {
    await finishSyncRun(store.db, runId, {
      status: 'interrupted',
      now: now(),
      errorMessage: `Stopped by a shutdown after ${totals.pages} pages; the next sync resumes from there.`,
    })
    options.logger?.info({ runId, source: source.name, ...totals }, 'CRM sync stopped by a shutdown; the next sync resumes')
  }
  try {
    // A full sync reads from no watermark, but the one it replaces still says what the CRM no longer does.
    const replaced = full && unfinished === null ? await findWatermark(store.db, source.name) : undefined
    if (full && unfinished === null) await beginFullSync(store.db, source.name, now())
    const watermark = await findWatermark(store.db, source.name)
    const order = await source.stageOrder()
    let mixed: string[] = []
    if (order && order.length > 0) {
      mixed = await saveStageOrder(store.db, order, source.name)
      stages = order.length
    }
    // Merged with another CRM's order, a stage may be spelt as that CRM spells it (`Negotiation`
    // for this one's `negotiation`): the deals take the stored spelling, so reports find them.
    const spelling = mixed.length > 0 ? stageSpelling((await findStageOrder(store.db)).map((s) => s.name)) : undefined
    notes = [...(source.notes?.() ?? []), ...(mixed.length > 0 ? [mixedCrmsNote(source.name, mixed)] : [])]
    for (const note of notes) options.logger?.warn({ source: source.name }, note)
    // Owners stored over a day ago are asked about again (a CRM without an owner list): an email
    // changed in the CRM reaches their deals within a day, at no cost to each 4-hourly sync.
    const ownersBefore = new Date(now().getTime() - OWNER_RECHECK_MS).toISOString()
    const ownerList = await source.owners(await findSourceOwnerIds(store.db, source.name, ownersBefore))
    for (const k of await storeOwners(store.db, ownerList, source.name, now())) ownersKeptApart.set(k.id, k)
    for (const o of ownerList) ownerIds.add(o.ownerId)
    const progress = (note: string) => options.onProgress?.(note, totals)
    // The CRM's open stages (none known: no count), to tell the lost deals that came in at a closed stage.
    const openStages = new Set((order ?? []).filter((st) => !st.isClosed && !st.isWon).map((st) => spelling?.(st.name) ?? st.name))
    for await (const page of source.pages(watermark, { onProgress: progress, ...(replaced === undefined ? {} : { replaced }) })) {
      const deals = spelling ? page.deals.map((d) => inSpelling(d, spelling)) : page.deals
      const stored = await storeSyncPage(store, {
        source: source.name,
        runId,
        deals,
        removedDealIds: page.removedDealIds,
        owners: page.owners,
        watermark: page.watermark,
        now: now(),
        full,
        ...(page.renamedStages
          ? {
              // Each under the name stored for this CRM's deals (another CRM's spelling of it, say).
              renamedStages: renamesInStoredSpellings(
                page.renamedStages.map((r) => ({ from: r.from, to: spelling?.(r.to) ?? r.to })),
                await findSourceStages(store.db, source.name),
              ),
            }
          : {}),
      })
      totals.pages++
      totals.deals += stored.deals
      totals.removed += stored.removed
      for (const o of page.owners ?? []) ownerIds.add(o.ownerId)
      rejected += page.rejects?.length ?? 0
      for (const k of stored.keptApart) keptApart.set(k.id, k)
      for (const t of stored.takenOver) takenOver.set(t.id, t)
      for (const k of stored.ownersKeptApart) ownersKeptApart.set(k.id, k)
      if (openStages.size > 0) {
        // A deal that kept the open stage the store held it lost at is placed as before.
        const kept = new Set(stored.keptLostAt)
        for (const { deal } of deals) {
          if (deal.outcome !== 'lost' || openStages.has(deal.stage) || kept.has(deal.dealId)) continue
          const ids = lostAtClosed.get(deal.stage) ?? new Set<string>()
          ids.add(deal.dealId)
          lostAtClosed.set(deal.stage, ids)
        }
      }
      if (options.signal?.aborted) {
        stopped = true
        break
      }
    }
    if (stopped) {
      await recordStop()
    } else {
      const swept = full ? await finishFullSync(store.db, source.name, now()) : 0
      if (unfinished !== null) {
        notes.push(
          `This sync finished the full sync begun ${unfinished.slice(0, 16).replace('T', ' ')} UTC and stopped part-way: it read on from the last page stored, then removed the deals the CRM no longer has.`,
        )
      }
      totals.removed += swept
      await finishSyncRun(store.db, runId, { status: 'done', now: now(), removed: swept })
      options.logger?.info({ runId, source: source.name, ...totals }, 'CRM sync finished')
    }
  } catch (error) {
    // Stopped by a shutdown while waiting on the CRM (a backoff, a 429's wait): not a failure.
    if (options.signal?.aborted) {
      stopped = true
      await recordStop()
    } else {
      await finishSyncRun(store.db, runId, { status: 'failed', now: now(), errorMessage: userMessage(error) }).catch(() => undefined)
      options.logger?.error({ runId, source: source.name, err: error }, 'CRM sync failed')
      throw error
    }
  }
  const lostAtClosedStage = [...lostAtClosed].map(([stage, ids]) => ({ stage, deals: ids.size }))
  if (lostAtClosedStage.length > 0) notes.push(lostAtClosedStageNote(lostAtClosedStage))
  if (keptApart.size > 0) notes.push(keptApartNote(source.name, [...keptApart.values()]))
  if (takenOver.size > 0) notes.push(takenOverNote(source.name, [...takenOver.values()]))
  if (ownersKeptApart.size > 0) notes.push(ownersKeptApartNote(source.name, [...ownersKeptApart.values()]))
  return {
    runId,
    source: source.name,
    mode,
    ...totals,
    owners: ownerIds.size,
    stages,
    rejected,
    seconds: (performance.now() - started) / 1000,
    ...(stopped ? { stopped } : {}),
    ...(notes.length > 0 ? { notes } : {}),
    ...(lostAtClosedStage.length > 0 ? { lostAtClosedStage } : {}),
    ...(keptApart.size > 0 ? { keptApart: keptApart.size } : {}),
    ...(takenOver.size > 0 ? { takenOver: takenOver.size } : {}),
    ...(ownersKeptApart.size > 0 ? { ownersKeptApart: ownersKeptApart.size } : {}),
  }
}

/**
 * The note on a sync's owners whose id another source gives another person: "1 HubSpot owner has
 * an id that a CSV import gives another person (42): stored as hubspot:42, ...".
 */
export function ownersKeptApartNote(source: string, kept: readonly KeptApart[]): string {
  const one = kept.length === 1
  const holders = [...new Set(kept.map((k) => k.heldBy))].map(sourceInWords).join(' or ')
  const { shown, more } = someOf(kept)
  return `${kept.length.toLocaleString('en-US')} ${crmName(source)} owner${one ? ' has an id' : 's have ids'} that ${holders} gives ${one ? 'another person' : 'other people'} (another email: ${shown.map((k) => k.id).join(', ')}${more}): ${one ? 'it is' : 'they are'} stored as ${shown.map((k) => k.key).join(', ')}${more}, with ${one ? 'its' : 'their'} deals, so each person sees only their own deals in Slack (sales_rep_id ${shown[0]?.key ?? ''} in reports and filters).`
}

/**
 * The note on a sync's deals whose id another source holds: "2 HubSpot deals have ids that a CSV
 * import already stored other deals under (1001, 1002): they are stored as hubspot:1001, ...".
 */
export function keptApartNote(source: string, kept: readonly KeptApart[]): string {
  const one = kept.length === 1
  const holders = [...new Set(kept.map((k) => k.heldBy))].map(sourceInWords).join(' or ')
  const { shown, more } = someOf(kept)
  return `${kept.length.toLocaleString('en-US')} ${crmName(source)} deal${one ? ' has an id' : 's have ids'} that ${holders} already stored ${one ? 'another deal' : 'other deals'} under (${shown.map((k) => k.id).join(', ')}${more}): ${one ? 'it is' : 'they are'} stored as ${shown.map((k) => k.key).join(', ')}${more}, so neither replaces the other (\`pulse deal ${shown[0]?.key ?? ''}\`). A CSV deal created on the same day as the CRM's deal of its id is taken as the same deal, and the sync keeps it up to date instead.`
}

/** The note on CSV deals a sync took over: "3 deals a CSV import stored (1001, ...) are HubSpot deals ...". */
export function takenOverNote(source: string, taken: readonly TakenOver[]): string {
  const one = taken.length === 1
  const { shown, more } = someOf(taken)
  return `${taken.length.toLocaleString('en-US')} deal${one ? '' : 's'} a CSV import stored (${shown.map((t) => t.id).join(', ')}${more}) ${one ? 'is the' : 'are'} ${crmName(source)} deal${one ? '' : 's'} of the same id and created day: the sync now keeps ${one ? 'it' : 'them'} up to date, and a CSV row with ${one ? 'that id' : 'those ids'} is quarantined from now on.`
}

/** The first three of `items`, and ", and N more" when there are more. */
function someOf<T>(items: readonly T[]): { shown: readonly T[]; more: string } {
  const shown = items.slice(0, 3)
  return { shown, more: items.length > shown.length ? `, and ${(items.length - shown.length).toLocaleString('en-US')} more` : '' }
}

/**
 * The note on lost deals a sync stored at a stage that is not open: "3 lost deals came in at Closed
 * Lost, not one of the open stages, ...", as `pulse ingest` says of a CSV's.
 */
export function lostAtClosedStageNote(stages: ReadonlyArray<{ stage: string; deals: number }>): string {
  const n = stages.reduce((sum, st) => sum + st.deals, 0)
  const names = stages.map((st) => st.stage).join(' or ')
  const one = n === 1
  return `${n.toLocaleString('en-US')} lost deal${one ? '' : 's'} came in at ${names}, not one of the open stages, with no stage history showing an open stage: where ${one ? 'it was' : 'they were'} lost is not known, so losses by stage and the funnel cannot place ${one ? 'it' : 'them'}.`
}

/** Test and bench hooks for {@link createConfiguredSource}: a fetch, a clock, limits. */
export interface SourceOverrides {
  fetch?: typeof fetch
  clock?: Clock
  logger?: Logger
  hubspotLimits?: { searchPerSecond?: number; burstPerTenSeconds?: number }
  salesforceRequestsPerSecond?: number
  lagMs?: number
  backoffBaseMs?: number
  /**
   * Once aborted (a `pulse serve` shutting down), the source's waits (backoff, 429s, pacing) and
   * requests in flight end at once (see `stopOnAbort`), so a stop never waits out a CRM outage.
   */
  signal?: AbortSignal
}

/**
 * The CRM source the configuration names: `which` when given, else HubSpot when `HUBSPOT_TOKEN`
 * is set, else Salesforce when `SALESFORCE_URL` is set.
 *
 * @throws AppError `bad_config` naming the variables to set.
 */
export function createConfiguredSource(config: Config, which?: 'hubspot' | 'salesforce', given: SourceOverrides = {}): CrmSource {
  const overrides = given.signal ? { ...given, ...stopOnAbort(given.signal, given.clock, given.fetch) } : given
  const pick = which ?? (config.hubspot.token ? 'hubspot' : config.salesforce.url ? 'salesforce' : undefined)
  if (pick === undefined) {
    throw new AppError(
      'bad_config',
      'No CRM is configured. Set HUBSPOT_TOKEN (HubSpot), or SALESFORCE_URL, SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET (Salesforce), in your environment or .env.',
    )
  }
  if (pick === 'hubspot') {
    requireSettings([['HUBSPOT_TOKEN', config.hubspot.token]], 'Syncing from HubSpot')
    return createHubspotSource({
      token: config.hubspot.token as string,
      baseUrl: config.hubspot.apiUrl,
      segments: config.hubspot.segments,
      pipeline: config.hubspot.pipeline,
      limits: { burstPerTenSeconds: config.hubspot.burstLimit, ...overrides.hubspotLimits },
      fetch: overrides.fetch,
      clock: overrides.clock,
      logger: overrides.logger,
      searchLagMs: overrides.lagMs,
      backoffBaseMs: overrides.backoffBaseMs,
      timeZone: config.timezone,
    })
  }
  requireSettings(
    [
      ['SALESFORCE_URL', config.salesforce.url],
      ['SALESFORCE_CLIENT_ID', config.salesforce.clientId],
      ['SALESFORCE_CLIENT_SECRET', config.salesforce.clientSecret],
    ],
    'Syncing from Salesforce',
  )
  return createSalesforceSource({
    url: config.salesforce.url as string,
    clientId: config.salesforce.clientId as string,
    clientSecret: config.salesforce.clientSecret as string,
    segments: config.salesforce.segments,
    requestsPerSecond: overrides.salesforceRequestsPerSecond,
    fetch: overrides.fetch,
    clock: overrides.clock,
    logger: overrides.logger,
    lagMs: overrides.lagMs,
    backoffBaseMs: overrides.backoffBaseMs,
    timeZone: config.timezone,
  })
}

/**
 * After a sync that changed deals, or when the report summaries are behind the data (an earlier
 * sync was stopped before it rebuilt them): rebuilds them (as after a CSV import), so reports stay
 * fast; `refresh` does the rebuilding (default: `refreshAnalyticsRollup` on this thread;
 * `pulse serve` passes one that runs on a worker thread). Returns whether it rebuilt.
 */
export async function refreshAfterSync(
  store: Store,
  summary: SyncSummary,
  refresh: () => Promise<boolean> = () => refreshAnalyticsRollup(store),
): Promise<boolean> {
  if (summary.deals + summary.removed === 0 && !(await isRollupStale(store.db))) return false
  return refresh()
}

/**
 * The scheduled sync job: an incremental sync of the configured CRM (then the report summaries
 * are rebuilt), or nothing (with a log line) when no CRM is configured. Pass it to
 * `startScheduler` as `jobs.sync`; once `signal` is aborted (shutdown) the sync stops after the
 * page it is storing, or at once during a CRM backoff or rate-limit wait (see
 * `SyncOptions.signal`), and the job throws, so that its run is recorded as interrupted.
 */
export function createSyncJob(deps: {
  store: Store
  config: Config
  logger: Logger
  /** Rebuilds the report summaries after a sync that changed deals (see {@link refreshAfterSync}). */
  refresh?: (signal?: AbortSignal) => Promise<boolean>
}): (signal?: AbortSignal) => Promise<SyncSummary | null> {
  return async (signal) => {
    if (!deps.config.hubspot.token && !deps.config.salesforce.url) {
      deps.logger.info('No CRM configured (HUBSPOT_TOKEN or SALESFORCE_URL); skipping the sync')
      return null
    }
    const summary = await syncCrm(
      deps.store,
      createConfiguredSource(deps.config, undefined, { logger: deps.logger, ...(signal ? { signal } : {}) }),
      {
        startedBy: 'scheduler',
        logger: deps.logger,
        ...(signal ? { signal } : {}),
      },
    )
    const refresh = deps.refresh
    await refreshAfterSync(deps.store, summary, refresh ? () => refresh(signal) : undefined)
    // Cut short by a shutdown: the job's run is interrupted, not done, like the sync run it made.
    if (summary.stopped) throw new AppError('internal', 'The sync was stopped by a shutdown; the next sync resumes from there.')
    return summary
  }
}

/**
 * The note of a sync whose stage order was merged with another CRM's (the store holds deals from
 * both): the funnel and the late stages of the losses report then read the two as one pipeline.
 */
function mixedCrmsNote(source: string, others: readonly string[]): string {
  const names = [source, ...others].map(crmName).join(' and ')
  return `The store holds deals from ${names}: their stages make one stage order, one CRM's open stages after the other's, so the funnel and the late stages of the losses report mix them.`
}

/** `synced` with its stage and its history's stages in `spelling`'s case (the same object when nothing changes). */
function inSpelling(synced: SyncedDeal, spelling: (stage: string) => string): SyncedDeal {
  const { deal, history } = synced
  const stage = spelling(deal.stage)
  const historyChanged = history?.some((h) => spelling(h.stage) !== h.stage) === true
  if (stage === deal.stage && !historyChanged) return synced
  return {
    deal: { ...deal, stage },
    history: historyChanged && history ? history.map((h) => ({ ...h, stage: spelling(h.stage) })) : history,
  }
}
