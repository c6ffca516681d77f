import type SqliteDatabase from 'better-sqlite3'
import type { Kysely, Transaction } from 'kysely'
import { crmDealKey, type HeldDeal, keyedApartId } from '../domain/crm-deal-key.js'
import { crmOwnerKey, type HeldOwner } from '../domain/crm-owner-key.js'
import { keepStoredLostAt, type StoredLoss } from '../domain/keep-stored-lost-at.js'
import type { NormalizedDeal, NormalizedOwner, SyncedDeal } from '../domain/normalized-deal.js'
import { noteOwnerEmail, uniqueOwners } from '../domain/note-owner-email.js'
import type { StageRename } from '../domain/stage-renames.js'
import { type StoredStage, type SyncStageChange, syncStageChange, withStageEntered } from '../domain/sync-stage-change.js'
import { DEAL_COLUMNS, dealRowOf, uniqueStays } from './begin-deal-import.js'
import type { Store } from './open-store.js'
import { renameStoredStage } from './rename-stored-stage.js'
import type { Database, NewDeal } from './schema.js'

/** What one page changed in the store. */
export interface StoredPage {
  deals: number
  removed: number
  /**
   * Lost deals that came without stage history at a stage that is not open, stored lost at the
   * last open stage the store knew them in instead (see {@link keepStoredLostAt}): ids, each once.
   */
  keptLostAt: string[]
  /**
   * The page's deals whose CRM id another source holds (a CSV import's deal, the other CRM's), each
   * once: stored under `key` ({@link keyedApartId}) so that neither replaces the other (see {@link crmDealKey}).
   */
  keptApart: KeptApart[]
  /** The CSV deals of the page's ids, created the same day, that the CRM's deals took over (see {@link crmDealKey}). */
  takenOver: TakenOver[]
  /**
   * The page's owners first stored apart from another person of another source under the same
   * id (`id`: the CRM's, `key`: where they and their deals are stored; see {@link crmOwnerKey}).
   */
  ownersKeptApart: KeptApart[]
}

/** A CRM deal (or owner) stored apart from the one another source holds under its id. */
export interface KeptApart {
  /** The CRM's own id of the deal (owner). */
  id: string
  /** The id it is stored (and shown, `pulse deal`) under. */
  key: string
  /** The source holding `id`: `csv`, `hubspot`, `salesforce`. */
  heldBy: string
}

/** A CSV deal the CRM's deal of the same id and created day took over (see {@link crmDealKey}). */
export interface TakenOver {
  id: string
  /** The CSV import's deal it was: always `csv`. */
  from: string
}

/** One page of a CRM sync, as {@link storeSyncPage} writes it. */
export interface SyncPageWrite {
  source: string
  runId: number
  deals: readonly SyncedDeal[]
  /** Deals the CRM archived or deleted: removed when stored from `source` (another source's deal with the id stays). */
  removedDealIds: readonly string[]
  owners?: readonly NormalizedOwner[]
  /** The source's new watermark (null keeps the stored one). */
  watermark: string | null
  now: Date
  /** A page of a full sync (see {@link beginFullSync}): its deals are noted as seen, its removals as gone. */
  full?: boolean
  /**
   * Stages the CRM renamed (same stage, new label), in the order to apply them: the deals of
   * `source` (`stage`, `lost_at_stage`) and their stays under `from` take `to` before the page's
   * deals are stored, so a deal that comes without history is not taken to have changed stage.
   */
  renamedStages?: readonly StageRename[]
}

// SQLite allows 32,766 bound parameters per statement; a deal row has 27.
const DEAL_CHUNK = 500
const ID_CHUNK = 900

/**
 * Writes one sync page in a single transaction: upserts its deals (by `deal_id`), replaces the
 * stage history of every deal that came with one (a lost deal that came without one, at a stage
 * that is not open, is lost at the last open stage the store knows it in: {@link keepStoredLostAt}; a
 * stored deal that came without one in another stage has the change recorded, as a CSV import records
 * it: {@link syncStageChange}), removes archived/deleted deals of `source` with their
 * history (a deal another source stored under the same id stays), first gives the deals of `source`
 * and their stays under a stage the CRM renamed its new name (`renamedStages`), upserts the page's owners (and any owner its deals name with an email that `owners`
 * lacks), notes the deals seen by a full sync (`full`), counts the page on its sync run, and
 * stores the source's watermark. Either all of it is kept or none of it: the watermark never runs ahead of the data.
 * On SQLite the page is written with prepared statements while holding Kysely's connection
 * (a 2,000-deal page costs a few ms instead of tens); elsewhere (Postgres) with the Kysely
 * builder in one transaction, with the same result (a deal listed twice: the last one wins).
 */
export async function storeSyncPage(store: Store, page: SyncPageWrite): Promise<StoredPage> {
  const sqlite = store.sqlite
  if (sqlite) return store.db.connection().execute(async () => writeWithSqlite(sqlite, page))
  return writeWithKysely(store.db, page)
}

/** The ids to look up for {@link keyPageApart}: each CRM id of the page and its keyed-apart form. */
function idsToLookUp(given: SyncPageWrite): string[] {
  const ids = new Set<string>()
  for (const id of [...given.deals.map((d) => d.deal.dealId), ...given.removedDealIds]) {
    ids.add(id)
    ids.add(keyedApartId(given.source, id))
  }
  return [...ids]
}

/**
 * `given` with each deal and removal under the id it is stored under ({@link crmDealKey}, from
 * `held`: stored id -> source, for the ids of {@link idsToLookUp}), the deals kept apart, and
 * for each stored id that is not the CRM's, the CRM's id.
 */
function keyPageApart(
  given: SyncPageWrite,
  held: ReadonlyMap<string, HeldDeal>,
): { page: SyncPageWrite; keptApart: KeptApart[]; takenOver: TakenOver[]; crmIdOf: Map<string, string> } {
  const crmIdOf = new Map<string, string>()
  const keptApart = new Map<string, KeptApart>()
  const takenOver = new Map<string, TakenOver>()
  if (held.size === 0) return { page: given, keptApart: [], takenOver: [], crmIdOf }
  const deals = given.deals.map((d) => {
    const id = d.deal.dealId
    const key = crmDealKey(given.source, id, d.deal.createdDate, (k) => held.get(k))
    const holder = held.get(id)?.source
    if (key === id) {
      if (holder !== undefined && holder !== given.source) takenOver.set(id, { id, from: holder })
      return d
    }
    crmIdOf.set(key, id)
    if (holder !== undefined && holder !== given.source) keptApart.set(id, { id, key, heldBy: holder })
    return { ...d, deal: { ...d.deal, dealId: key } }
  })
  // A removal is of this CRM's deal only: under its own id, or under the one it was kept apart with.
  const removedDealIds = given.removedDealIds.map((id) => {
    const apart = keyedApartId(given.source, id)
    return held.get(apart)?.source === given.source ? apart : id
  })
  return { page: { ...given, deals, removedDealIds }, keptApart: [...keptApart.values()], takenOver: [...takenOver.values()], crmIdOf }
}

/** The owners a page names, each with the email the CRM gives them (its owner list's over its deals'). */
function ownerEmailsOfPage(page: SyncPageWrite): Map<string, string | null> {
  const emails = new Map<string, string | null>()
  for (const d of page.deals) noteOwnerEmail(emails, d.deal.ownerId, d.deal.ownerEmail)
  for (const o of page.owners ?? []) noteOwnerEmail(emails, o.ownerId, o.email)
  return emails
}

/** The owner keys to look up for {@link keyOwners}: each CRM owner id and its keyed-apart form. */
function ownerIdsToLookUp(source: string, ids: Iterable<string>): string[] {
  return [...ids].flatMap((id) => [id, keyedApartId(source, id)])
}

/**
 * The stored id of each owner of `given` (CRM id -> email) of `source` that is not their CRM id
 * ({@link crmOwnerKey}, from `held`: stored owners by key), and those first kept apart now.
 */
function keyOwners(
  source: string,
  given: ReadonlyMap<string, string | null>,
  held: ReadonlyMap<string, HeldOwner>,
): { keyOf: Map<string, string>; apart: KeptApart[] } {
  const keyOf = new Map<string, string>()
  const apart: KeptApart[] = []
  for (const [id, email] of given) {
    const key = crmOwnerKey(source, id, email, (k) => held.get(k))
    if (key === id) continue
    keyOf.set(id, key)
    if (!held.has(key)) apart.push({ id, key, heldBy: held.get(id)?.source ?? source })
  }
  return { keyOf, apart }
}

/** `page` with each owner id (of its deals and owners) under the key {@link keyOwners} gave it. */
function withOwnerKeys(page: SyncPageWrite, keyOf: ReadonlyMap<string, string>): SyncPageWrite {
  if (keyOf.size === 0) return page
  const key = (id: string) => keyOf.get(id) ?? id
  return {
    ...page,
    deals: page.deals.map((d) => (keyOf.has(d.deal.ownerId) ? { ...d, deal: { ...d.deal, ownerId: key(d.deal.ownerId) } } : d)),
    ...(page.owners ? { owners: page.owners.map((o) => ({ ...o, ownerId: key(o.ownerId) })) } : {}),
  }
}

/** The stored owners under `keys` ({@link ownerIdsToLookUp}), by key. */
async function findHeldOwners(tx: Transaction<Database>, keys: readonly string[]): Promise<Map<string, HeldOwner>> {
  const held = new Map<string, HeldOwner>()
  for (let i = 0; i < keys.length; i += ID_CHUNK) {
    const rows = await tx
      .selectFrom('owners')
      .select(['owner_id', 'source', 'email'])
      .where('owner_id', 'in', keys.slice(i, i + ID_CHUNK))
      .execute()
    for (const r of rows) held.set(r.owner_id, { source: r.source, email: r.email })
  }
  return held
}

/**
 * Moves the deals of `source` that an owner first kept apart already owned (stored before, under
 * the CRM id another source's owner holds) to that owner's key. Returns how many moved.
 */
async function moveOwnersApart(tx: Transaction<Database>, source: string, apart: readonly KeptApart[]): Promise<number> {
  let moved = 0
  for (const a of apart) {
    const result = await tx
      .updateTable('deals')
      .set({ owner_id: a.key })
      .where('owner_id', '=', a.id)
      .where('source', '=', source)
      .executeTakeFirst()
    moved += Number(result.numUpdatedRows)
  }
  return moved
}

async function writeWithKysely(db: Kysely<Database>, given: SyncPageWrite): Promise<StoredPage> {
  const nowIso = given.now.toISOString()
  return db.transaction().execute(async (tx) => {
    const held = new Map<string, HeldDeal>()
    const lookUp = idsToLookUp(given)
    for (let i = 0; i < lookUp.length; i += ID_CHUNK) {
      const rows = await tx
        .selectFrom('deals')
        .select(['deal_id', 'source', 'created_date'])
        .where('deal_id', 'in', lookUp.slice(i, i + ID_CHUNK))
        .execute()
      for (const r of rows) held.set(r.deal_id, { source: r.source, createdDate: r.created_date })
    }
    const ownerEmails = ownerEmailsOfPage(given)
    const owners = keyOwners(given.source, ownerEmails, await findHeldOwners(tx, ownerIdsToLookUp(given.source, ownerEmails.keys())))
    const ownersMoved = await moveOwnersApart(tx, given.source, owners.apart)
    const { page, keptApart, takenOver, crmIdOf } = keyPageApart(withOwnerKeys(given, owners.keyOf), held)
    for (const r of page.renamedStages ?? []) await renameStoredStage(tx, r.from, r.to, page.source)
    const lost = await withStoredLostAt(tx, page.deals)
    const { deals, changes } = await withStageChanges(tx, page.deals, lost.deals, nowIso)
    const keptLostAt = lost.keptLostAt.map((key) => crmIdOf.get(key) ?? key)
    const { rows, histories } = lastOfEachDeal(deals)
    for (let i = 0; i < rows.length; i += DEAL_CHUNK) {
      await tx
        .insertInto('deals')
        .values(rows.slice(i, i + DEAL_CHUNK))
        .onConflict((oc) =>
          oc.column('deal_id').doUpdateSet((eb) => {
            const set: Record<string, unknown> = {}
            for (const c of UPDATED_COLUMNS) set[c] = eb.ref(`excluded.${c}`)
            return set as never
          }),
        )
        .execute()
    }
    await deleteByDealIds(tx, 'stage_history', [...histories.keys()])
    const stayRows = [...histories].flatMap(([dealId, history]) =>
      uniqueStays(history).map((s) => ({ deal_id: dealId, stage: s.stage, entered_at: s.enteredAt, left_at: s.leftAt })),
    )
    for (let i = 0; i < stayRows.length; i += 5000) {
      await tx
        .insertInto('stage_history')
        .values(stayRows.slice(i, i + 5000))
        .onConflict((oc) => oc.columns(['deal_id', 'entered_at', 'stage']).doUpdateSet((eb) => ({ left_at: eb.ref('excluded.left_at') })))
        .execute()
    }
    // As the SQLite path leaves it: a deal's last occurrence decides, unless one came with a history.
    for (const [dealId, change] of changes) {
      if (histories.has(dealId)) continue
      if (change.oldStay !== null) {
        await tx
          .insertInto('stage_history')
          .values({ deal_id: dealId, stage: change.oldStay.stage, entered_at: change.oldStay.enteredAt, left_at: change.at })
          .onConflict((oc) => oc.columns(['deal_id', 'entered_at', 'stage']).doUpdateSet((eb) => ({ left_at: eb.ref('excluded.left_at') })))
          .execute()
      } else {
        await tx
          .updateTable('stage_history')
          .set({ left_at: change.at })
          .where('deal_id', '=', dealId)
          .where('left_at', 'is', null)
          .execute()
      }
      await tx
        .insertInto('stage_history')
        .values({ deal_id: dealId, stage: change.stage, entered_at: change.at, left_at: null })
        .onConflict((oc) => oc.columns(['deal_id', 'entered_at', 'stage']).doUpdateSet((eb) => ({ left_at: eb.ref('excluded.left_at') })))
        .execute()
    }
    const removed = await removeDeals(tx, page.source, page.removedDealIds)
    if (page.full) {
      const seen = rows.map((r) => ({ source: page.source, deal_id: r.deal_id }))
      for (let i = 0; i < seen.length; i += 1000) {
        await tx
          .insertInto('crm_full_sync_seen')
          .values(seen.slice(i, i + 1000))
          .onConflict((oc) => oc.columns(['source', 'deal_id']).doNothing())
          .execute()
      }
      for (let i = 0; i < page.removedDealIds.length; i += ID_CHUNK) {
        await tx
          .deleteFrom('crm_full_sync_seen')
          .where('source', '=', page.source)
          .where('deal_id', 'in', page.removedDealIds.slice(i, i + ID_CHUNK))
          .execute()
      }
    }
    if (page.owners && page.owners.length > 0) await upsertOwners(tx, page.owners, page.source, nowIso)
    const fromDeals = ownersOfDeals(page.deals)
    for (let i = 0; i < fromDeals.length; i += 1000) {
      await tx
        .insertInto('owners')
        .values(
          fromDeals.slice(i, i + 1000).map(([id, email]) => ({ owner_id: id, email, name: null, source: page.source, updated_at: nowIso })),
        )
        .onConflict((oc) =>
          oc.column('owner_id').doUpdateSet((eb) => ({
            email: eb.fn.coalesce('owners.email', eb.ref('excluded.email')),
            // An owner another source stored is this CRM's too now (the same person, see crmOwnerKey).
            source: eb.ref('excluded.source'),
          })),
        )
        .execute()
    }
    await tx
      .updateTable('sync_runs')
      .set((eb) => ({ pages: eb('pages', '+', 1), deals: eb('deals', '+', page.deals.length), removed: eb('removed', '+', removed) }))
      .where('run_id', '=', page.runId)
      .execute()
    if (page.watermark !== null) await saveWatermark(tx, page.source, page.watermark, nowIso)
    if (page.deals.length > 0 || removed > 0 || ownersMoved > 0 || (page.renamedStages?.length ?? 0) > 0) {
      await tx
        .insertInto('meta')
        .values({ key: 'data_version', value: `sync:${page.runId}:${nowIso}` })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: `sync:${page.runId}:${nowIso}` }))
        .execute()
    }
    return { deals: page.deals.length, removed, keptLostAt, keptApart, takenOver, ownersKeptApart: owners.apart }
  })
}

/**
 * The stage changes to record for the deals of `synced` that came without history (see
 * {@link syncStageChange}; the last occurrence of a deal decides), and `deals` (`synced` with
 * {@link keepStoredLostAt} applied, one for one) with their stage entry dates filled in.
 */
async function withStageChanges(
  tx: Transaction<Database>,
  synced: readonly SyncedDeal[],
  deals: readonly SyncedDeal[],
  now: string,
): Promise<{ deals: readonly SyncedDeal[]; changes: Map<string, SyncStageChange> }> {
  const changes = new Map<string, SyncStageChange>()
  const ids = [...new Set(synced.filter((d) => d.history === null).map((d) => d.deal.dealId))]
  if (ids.length === 0) return { deals, changes }
  const stored = new Map<string, StoredStage>()
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    const chunk = ids.slice(i, i + ID_CHUNK)
    const rows = await tx
      .selectFrom('deals')
      .select(['deal_id', 'outcome', 'stage', 'stage_entered_date', 'created_date'])
      .where('deal_id', 'in', chunk)
      .execute()
    const stays = await tx
      .selectFrom('stage_history')
      .select(['deal_id', 'stage', 'entered_at', 'left_at'])
      .where('deal_id', 'in', chunk)
      .orderBy('deal_id')
      .orderBy('entered_at')
      .orderBy('stage')
      .execute()
    const openStay = new Map<string, string>()
    const latest = new Map<string, string>()
    for (const h of stays) {
      if (h.left_at === null) openStay.set(h.deal_id, h.stage)
      for (const at of [h.entered_at, h.left_at]) {
        const before = latest.get(h.deal_id)
        if (at !== null && (before === undefined || at > before)) latest.set(h.deal_id, at)
      }
    }
    for (const r of rows) {
      stored.set(r.deal_id, {
        outcome: r.outcome,
        stage: r.stage,
        stageEnteredDate: r.stage_entered_date,
        createdDate: r.created_date,
        openStay: openStay.get(r.deal_id) ?? null,
        latest: latest.get(r.deal_id) ?? null,
      })
    }
  }
  const out = deals.map((d, i) => {
    const original = synced[i] as SyncedDeal
    if (original.history !== null) return d
    const before = stored.get(d.deal.dealId)
    const change = syncStageChange(original, before, now)
    if (change === null) changes.delete(d.deal.dealId)
    else changes.set(d.deal.dealId, change)
    return { ...d, deal: withStageEntered(d.deal, change, before) }
  })
  return { deals: out, changes }
}

/** `deals` with {@link keepStoredLostAt} applied against the store, and the ids it applied to. */
async function withStoredLostAt(
  tx: Transaction<Database>,
  deals: readonly SyncedDeal[],
): Promise<{ deals: readonly SyncedDeal[]; keptLostAt: string[] }> {
  const lost = deals.filter((d) => d.history === null && d.deal.outcome === 'lost')
  if (lost.length === 0) return { deals, keptLostAt: [] }
  const open = new Set((await tx.selectFrom('stages').select('name').where('is_closed', '=', 0).execute()).map((r) => r.name))
  if (open.size === 0) return { deals, keptLostAt: [] }
  const ids = [...new Set(lost.filter((d) => !open.has(d.deal.stage)).map((d) => d.deal.dealId))]
  const stored = new Map<string, StoredLoss>()
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    const chunk = ids.slice(i, i + ID_CHUNK)
    const rows = await tx
      .selectFrom('deals')
      .select(['deal_id', 'outcome', 'stage', 'stage_entered_date'])
      .where('deal_id', 'in', chunk)
      .execute()
    // The latest stay in an open stage of each deal: the last one of its deal in entry order.
    const stays = await tx
      .selectFrom('stage_history')
      .select(['deal_id', 'stage'])
      .where('deal_id', 'in', chunk)
      .where('stage', 'in', [...open])
      .orderBy('deal_id')
      .orderBy('entered_at')
      .orderBy('stage')
      .execute()
    const lastOpen = new Map(stays.map((h) => [h.deal_id, h.stage]))
    for (const r of rows) {
      stored.set(r.deal_id, {
        outcome: r.outcome,
        stage: r.stage,
        stageEnteredDate: r.stage_entered_date,
        lastOpenStay: lastOpen.get(r.deal_id) ?? null,
      })
    }
  }
  const kept = new Set<string>()
  const out = deals.map((d) => {
    const deal = keepStoredLostAt(d, stored.get(d.deal.dealId), (s) => open.has(s))
    if (deal === null) return d
    kept.add(deal.dealId)
    return { deal, history: null }
  })
  return { deals: out, keptLostAt: [...kept] }
}

/**
 * A page may carry the same deal twice (a CRM's paging shifting under an edit). Postgres refuses
 * an `ON CONFLICT DO UPDATE` that touches one row twice, so the builder path writes each deal
 * once, with the outcome of the fast path's row-by-row writes: the last row of a deal, and the
 * last history that came with it (a later occurrence without history keeps the earlier one).
 */
function lastOfEachDeal(deals: readonly SyncedDeal[]): { rows: NewDeal[]; histories: Map<string, NonNullable<SyncedDeal['history']>> } {
  const rows = new Map<string, NewDeal>()
  const histories = new Map<string, NonNullable<SyncedDeal['history']>>()
  for (const d of deals) {
    rows.set(d.deal.dealId, dealRow(d.deal))
    if (d.history !== null) histories.set(d.deal.dealId, d.history)
  }
  return { rows: [...rows.values()], histories }
}

/**
 * The owners the page's deals name with an email, for owners the CRM's own owner list did not
 * give an email (or did not list): emails are matched to owners through `owners` (Slack access),
 * so every owner a deal names with an email must be there. A stored email is never replaced.
 */
function ownersOfDeals(deals: readonly SyncedDeal[]): Array<[string, string]> {
  const out = new Map<string, string | null>()
  for (const d of deals) noteOwnerEmail(out, d.deal.ownerId, d.deal.ownerEmail)
  return [...out].filter((o): o is [string, string] => o[1] !== null)
}

const statements = new WeakMap<SqliteDatabase.Database, ReturnType<typeof prepare>>()

function prepare(sqlite: SqliteDatabase.Database) {
  const cols = ['deal_id', ...UPDATED_COLUMNS]
  return {
    upsertDeal: sqlite.prepare(
      `INSERT INTO deals (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})
       ON CONFLICT (deal_id) DO UPDATE SET ${UPDATED_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`,
    ),
    deleteHistory: sqlite.prepare('DELETE FROM stage_history WHERE deal_id = ?'),
    openStages: sqlite.prepare('SELECT name FROM stages WHERE is_closed = 0').pluck(),
    storedLoss: sqlite.prepare<[string], StoredLoss>(
      `SELECT outcome, stage, stage_entered_date AS stageEnteredDate,
         (SELECT h.stage FROM stage_history h WHERE h.deal_id = deals.deal_id AND h.stage IN (SELECT name FROM stages WHERE is_closed = 0)
          ORDER BY h.entered_at DESC, h.stage DESC LIMIT 1) AS lastOpenStay
       FROM deals WHERE deal_id = ?`,
    ),
    storedStage: sqlite.prepare<[string], StoredStage>(
      `SELECT outcome, stage, stage_entered_date AS stageEnteredDate, created_date AS createdDate,
         (SELECT h.stage FROM stage_history h WHERE h.deal_id = deals.deal_id AND h.left_at IS NULL
          ORDER BY h.entered_at DESC, h.stage DESC LIMIT 1) AS openStay,
         (SELECT max(max(h.entered_at), coalesce(max(h.left_at), max(h.entered_at))) FROM stage_history h WHERE h.deal_id = deals.deal_id) AS latest
       FROM deals WHERE deal_id = ?`,
    ),
    closeOpenStays: sqlite.prepare('UPDATE stage_history SET left_at = ? WHERE deal_id = ? AND left_at IS NULL'),
    insertStay: sqlite.prepare(
      `INSERT INTO stage_history (deal_id, stage, entered_at, left_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (deal_id, entered_at, stage) DO UPDATE SET left_at = excluded.left_at`,
    ),
    deleteDeal: sqlite.prepare('DELETE FROM deals WHERE deal_id = ? AND source = ?'),
    dropRenamedRepeats: sqlite.prepare(
      `DELETE FROM stage_history WHERE stage = ? AND deal_id IN (SELECT deal_id FROM deals WHERE source = ?) AND EXISTS (
         SELECT 1 FROM stage_history AS kept WHERE kept.deal_id = stage_history.deal_id AND kept.entered_at = stage_history.entered_at AND kept.stage = ?)`,
    ),
    renameStays: sqlite.prepare(
      'UPDATE stage_history SET stage = ? WHERE stage = ? AND deal_id IN (SELECT deal_id FROM deals WHERE source = ?)',
    ),
    renameDealStage: sqlite.prepare('UPDATE deals SET stage = ? WHERE stage = ? AND source = ?'),
    renameLostAt: sqlite.prepare('UPDATE deals SET lost_at_stage = ? WHERE lost_at_stage = ? AND source = ?'),
    upsertOwner: sqlite.prepare(
      `INSERT INTO owners (owner_id, email, name, source, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (owner_id) DO UPDATE SET email = excluded.email, name = excluded.name, source = excluded.source, updated_at = excluded.updated_at`,
    ),
    ownerEmail: sqlite.prepare('SELECT email FROM owners WHERE owner_id = ?').pluck(),
    heldOwners: sqlite.prepare<[string], { owner_id: string; source: string; email: string | null }>(
      'SELECT owner_id, source, email FROM owners WHERE owner_id IN (SELECT value FROM json_each(?))',
    ),
    moveOwnerDeals: sqlite.prepare('UPDATE deals SET owner_id = ? WHERE owner_id = ? AND source = ?'),
    heldBy: sqlite.prepare<[string], { deal_id: string; source: string; created_date: string }>(
      'SELECT deal_id, source, created_date FROM deals WHERE deal_id IN (SELECT value FROM json_each(?))',
    ),
    followOwnerEmail: sqlite.prepare(
      'UPDATE deals SET owner_email = ? WHERE owner_id = ? AND source = ? AND (owner_email IS NULL OR owner_email <> ?)',
    ),
    noteDealOwner: sqlite.prepare(
      `INSERT INTO owners (owner_id, email, name, source, updated_at) VALUES (?, ?, NULL, ?, ?)
       ON CONFLICT (owner_id) DO UPDATE SET email = coalesce(owners.email, excluded.email), source = excluded.source`,
    ),
    noteSeen: sqlite.prepare('INSERT INTO crm_full_sync_seen (source, deal_id) VALUES (?, ?) ON CONFLICT (source, deal_id) DO NOTHING'),
    forgetSeen: sqlite.prepare('DELETE FROM crm_full_sync_seen WHERE source = ? AND deal_id = ?'),
    countPage: sqlite.prepare('UPDATE sync_runs SET pages = pages + 1, deals = deals + ?, removed = removed + ? WHERE run_id = ?'),
    saveWatermark: sqlite.prepare(
      `INSERT INTO crm_sync_state (source, watermark, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (source) DO UPDATE SET watermark = excluded.watermark, updated_at = excluded.updated_at`,
    ),
    saveVersion: sqlite.prepare(
      `INSERT INTO meta (key, value) VALUES ('data_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ),
  }
}

function writeWithSqlite(sqlite: SqliteDatabase.Database, given: SyncPageWrite): StoredPage {
  let st = statements.get(sqlite)
  if (!st) {
    st = prepare(sqlite)
    statements.set(sqlite, st)
  }
  const s = st
  const nowIso = given.now.toISOString()
  return sqlite.transaction((): StoredPage => {
    const held = new Map(
      s.heldBy.all(JSON.stringify(idsToLookUp(given))).map((r) => [r.deal_id, { source: r.source, createdDate: r.created_date }]),
    )
    const ownerEmails = ownerEmailsOfPage(given)
    const heldOwners = s.heldOwners.all(JSON.stringify(ownerIdsToLookUp(given.source, ownerEmails.keys())))
    const owners = keyOwners(given.source, ownerEmails, new Map(heldOwners.map((r) => [r.owner_id, { source: r.source, email: r.email }])))
    let ownersMoved = 0
    for (const a of owners.apart) ownersMoved += s.moveOwnerDeals.run(a.key, a.id, given.source).changes
    const { page, keptApart, takenOver, crmIdOf } = keyPageApart(withOwnerKeys(given, owners.keyOf), held)
    for (const r of page.renamedStages ?? []) {
      // A stay that would repeat one stored under the new name (same deal and entry) is dropped.
      s.dropRenamedRepeats.run(r.from, page.source, r.to)
      s.renameStays.run(r.to, r.from, page.source)
      s.renameDealStage.run(r.to, r.from, page.source)
      s.renameLostAt.run(r.to, r.from, page.source)
    }
    let open: Set<string> | undefined
    const keptLostAt = new Set<string>()
    for (const d of page.deals) {
      if (d.history === null) {
        let deal = d.deal
        if (d.deal.outcome === 'lost') {
          open ??= new Set(s.openStages.all() as string[])
          const isOpen = (stage: string) => (open as Set<string>).has(stage)
          const kept = isOpen(d.deal.stage) ? null : keepStoredLostAt(d, s.storedLoss.get(d.deal.dealId), isOpen)
          if (kept !== null) {
            keptLostAt.add(kept.dealId)
            deal = kept
          }
        }
        const stored = s.storedStage.get(d.deal.dealId)
        const change = syncStageChange(d, stored, nowIso)
        s.upsertDeal.run(dealRow(withStageEntered(deal, change, stored)))
        if (change !== null) {
          if (change.oldStay !== null) s.insertStay.run(d.deal.dealId, change.oldStay.stage, change.oldStay.enteredAt, change.at)
          else s.closeOpenStays.run(change.at, d.deal.dealId)
          s.insertStay.run(d.deal.dealId, change.stage, change.at, null)
        }
        continue
      }
      s.upsertDeal.run(dealRow(d.deal))
      s.deleteHistory.run(d.deal.dealId)
      for (const h of d.history) s.insertStay.run(d.deal.dealId, h.stage, h.enteredAt, h.leftAt)
    }
    let removed = 0
    for (const id of page.removedDealIds) {
      // Only a deal of this source: another's with the same id (a CSV import's) is not this CRM's to remove.
      const gone = s.deleteDeal.run(id, page.source).changes
      if (gone === 0) continue
      removed += gone
      s.deleteHistory.run(id)
    }
    if (page.full) {
      for (const d of page.deals) s.noteSeen.run(page.source, d.deal.dealId)
      for (const id of page.removedDealIds) s.forgetSeen.run(page.source, id)
    }
    // Each owner once, as the builder path writes them: the email kept is the same on both databases.
    for (const o of uniqueOwners(page.owners ?? [])) {
      const before = s.ownerEmail.get(o.ownerId)
      s.upsertOwner.run(o.ownerId, o.email, o.name, page.source, nowIso)
      // A new owner has no deals yet (each stored deal notes its owner): no scan of `deals` for it.
      if (before !== undefined && o.email !== null && o.email !== before) s.followOwnerEmail.run(o.email, o.ownerId, page.source, o.email)
    }
    for (const [id, email] of ownersOfDeals(page.deals)) s.noteDealOwner.run(id, email, page.source, nowIso)
    s.countPage.run(page.deals.length, removed, page.runId)
    if (page.watermark !== null) s.saveWatermark.run(page.source, page.watermark, nowIso)
    if (page.deals.length > 0 || removed > 0 || ownersMoved > 0 || (page.renamedStages?.length ?? 0) > 0) {
      s.saveVersion.run(`sync:${page.runId}:${nowIso}`)
    }
    return {
      deals: page.deals.length,
      removed,
      keptLostAt: [...keptLostAt].map((key) => crmIdOf.get(key) ?? key),
      keptApart,
      takenOver,
      ownersKeptApart: owners.apart,
    }
  })()
}

/**
 * Upserts a CRM's owners (id, email, name) for `source`. An owner whose email changed (or who
 * had none) passes the new email on to the deals of `source` they own, so DMs and the stalled
 * list follow the CRM, not the email a deal carried when it was last modified; one the CRM's
 * owner list now gives no email leaves their deals without one. An owner whose id another
 * source's owner holds for another person is stored under `<source>:<id>` ({@link crmOwnerKey}),
 * with the deals of theirs already stored: returns the owners first kept apart so.
 */
export async function storeOwners(
  db: Kysely<Database>,
  owners: readonly NormalizedOwner[],
  source: string,
  now: Date,
): Promise<KeptApart[]> {
  if (owners.length === 0) return []
  return db.transaction().execute(async (tx) => {
    const emails = new Map<string, string | null>()
    for (const o of owners) noteOwnerEmail(emails, o.ownerId, o.email)
    const { keyOf, apart } = keyOwners(source, emails, await findHeldOwners(tx, ownerIdsToLookUp(source, emails.keys())))
    const moved = await moveOwnersApart(tx, source, apart)
    const keyed = owners.map((o) => ({ ...o, ownerId: keyOf.get(o.ownerId) ?? o.ownerId }))
    await upsertOwners(tx, keyed, source, now.toISOString(), true)
    if (moved > 0) {
      const version = `owners:${source}:${now.toISOString()}`
      await tx
        .insertInto('meta')
        .values({ key: 'data_version', value: version })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: version }))
        .execute()
    }
    return apart
  })
}

/**
 * `fromOwnerList`: the owners come from the CRM's own owner list (not off a page's deals), so an
 * owner listed without the email stored before has none now: their deals lose it too, and no DM
 * goes to an address the CRM no longer gives.
 */
async function upsertOwners(
  tx: Transaction<Database>,
  owners: readonly NormalizedOwner[],
  source: string,
  updatedAt: string,
  fromOwnerList = false,
) {
  // Postgres refuses an `ON CONFLICT DO UPDATE` that touches one row twice: each owner once.
  const unique = uniqueOwners(owners)
  const before = new Map<string, string | null>()
  for (let i = 0; i < unique.length; i += ID_CHUNK) {
    const ids = unique.slice(i, i + ID_CHUNK).map((o) => o.ownerId)
    const rows = await tx.selectFrom('owners').select(['owner_id', 'email']).where('owner_id', 'in', ids).execute()
    for (const r of rows) before.set(r.owner_id, r.email)
  }
  for (let i = 0; i < unique.length; i += 1000) {
    await tx
      .insertInto('owners')
      .values(unique.slice(i, i + 1000).map((o) => ({ owner_id: o.ownerId, email: o.email, name: o.name, source, updated_at: updatedAt })))
      .onConflict((oc) =>
        oc.column('owner_id').doUpdateSet((eb) => ({
          email: eb.ref('excluded.email'),
          name: eb.ref('excluded.name'),
          source: eb.ref('excluded.source'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute()
  }
  for (const o of unique) {
    // A new owner has no deals yet (each stored deal notes its owner): no scan of `deals` for it.
    if (!before.has(o.ownerId) || o.email === before.get(o.ownerId)) continue
    if (o.email === null) {
      if (fromOwnerList) {
        await tx
          .updateTable('deals')
          .set({ owner_email: null })
          .where('owner_id', '=', o.ownerId)
          .where('source', '=', source)
          .where('owner_email', 'is not', null)
          .execute()
      }
      continue
    }
    await tx
      .updateTable('deals')
      .set({ owner_email: o.email })
      .where('owner_id', '=', o.ownerId)
      .where('source', '=', source)
      .where((eb) => eb.or([eb('owner_email', 'is', null), eb('owner_email', '<>', o.email)]))
      .execute()
  }
}

/** The `meta` key that marks a full sync of `source` as under way (its value: when it began). */
const fullSyncKey = (source: string) => `full_sync:${source}`

/**
 * Starts a full sync of `source` (`pulse sync --full`), in one transaction: forgets its watermark
 * (so everything is read again) and the deals an earlier full sync had seen, and marks a full
 * sync as under way. Pages stored with `full` then note their deals as seen; until
 * {@link finishFullSync}, every sync of `source` is that full sync going on (see {@link findFullSyncStart}).
 */
export async function beginFullSync(db: Kysely<Database>, source: string, now: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await saveWatermark(tx, source, null, now.toISOString())
    await tx.deleteFrom('crm_full_sync_seen').where('source', '=', source).execute()
    await tx
      .insertInto('meta')
      .values({ key: fullSyncKey(source), value: now.toISOString() })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: now.toISOString() }))
      .execute()
  })
}

/** When the full sync of `source` under way began (ISO), or null when none is: one stopped part-way is still under way. */
export async function findFullSyncStart(db: Kysely<Database>, source: string): Promise<string | null> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', fullSyncKey(source)).executeTakeFirst()
  return row?.value ?? null
}

/**
 * Ends the full sync of `source` once every page is stored, in one transaction: removes the
 * deals of `source` it did not see (the CRM no longer has them), with their history, clears
 * its marks and, when deals went, moves `meta.data_version` on (to `sync-end:<source>:<now>`), so
 * summaries built from the data before (the rollup, a Home tab) are no longer taken as current.
 * Returns how many deals went.
 */
export async function finishFullSync(db: Kysely<Database>, source: string, now: Date = new Date()): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const seen = tx.selectFrom('crm_full_sync_seen').select('deal_id').where('source', '=', source)
    const gone = tx.selectFrom('deals').select('deal_id').where('source', '=', source).where('deal_id', 'not in', seen)
    await tx.deleteFrom('stage_history').where('deal_id', 'in', gone).execute()
    const result = await tx.deleteFrom('deals').where('source', '=', source).where('deal_id', 'not in', seen).executeTakeFirst()
    await tx.deleteFrom('crm_full_sync_seen').where('source', '=', source).execute()
    await tx.deleteFrom('meta').where('key', '=', fullSyncKey(source)).execute()
    const removed = Number(result.numDeletedRows)
    if (removed > 0) {
      const version = `sync-end:${source}:${now.toISOString()}`
      await tx
        .insertInto('meta')
        .values({ key: 'data_version', value: version })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: version }))
        .execute()
    }
    return removed
  })
}

/** The stored watermark of `source`, or null when it never synced (or was reset). */
export async function findWatermark(db: Kysely<Database>, source: string): Promise<string | null> {
  const row = await db.selectFrom('crm_sync_state').select('watermark').where('source', '=', source).executeTakeFirst()
  return row?.watermark ?? null
}

async function saveWatermark(db: Kysely<Database> | Transaction<Database>, source: string, watermark: string | null, at: string) {
  await db
    .insertInto('crm_sync_state')
    .values({ source, watermark, updated_at: at })
    .onConflict((oc) => oc.column('source').doUpdateSet({ watermark, updated_at: at }))
    .execute()
}

/** Removes the deals of `source` among `ids`, with their history; a deal another source stored under one of the ids stays. */
async function removeDeals(tx: Transaction<Database>, source: string, ids: readonly string[]): Promise<number> {
  let removed = 0
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    const chunk = ids.slice(i, i + ID_CHUNK)
    const ours = tx.selectFrom('deals').select('deal_id').where('source', '=', source).where('deal_id', 'in', chunk)
    await tx.deleteFrom('stage_history').where('deal_id', 'in', ours).execute()
    const result = await tx.deleteFrom('deals').where('source', '=', source).where('deal_id', 'in', chunk).executeTakeFirst()
    removed += Number(result.numDeletedRows)
  }
  return removed
}

async function deleteByDealIds(tx: Transaction<Database>, table: 'stage_history', ids: readonly string[]) {
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    await tx
      .deleteFrom(table)
      .where('deal_id', 'in', ids.slice(i, i + ID_CHUNK))
      .execute()
  }
}

/** The `deals` row of a normalised deal (derived months, amount band, stage lost at). */
export function dealRow(d: NormalizedDeal): NewDeal {
  const values = dealRowOf(d)
  return Object.fromEntries(DEAL_COLUMNS.map((column, i) => [column, values[i]])) as unknown as NewDeal
}

// Every column an upsert refreshes: all but the key.
const UPDATED_COLUMNS = DEAL_COLUMNS.slice(1) as Array<Exclude<(typeof DEAL_COLUMNS)[number], 'deal_id'>>
