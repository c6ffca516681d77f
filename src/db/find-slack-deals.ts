import { type Kysely, type RawBuilder, sql } from 'kysely'
import { composedDealId } from '../domain/composed-deal-id.js'
import { dialectOf, foldText, UNICODE_LOWER } from './dialect.js'
import { isSyncGoingOn, latestImportRuns } from './find-sync-status.js'
import type { Database } from './schema.js'

/** The columns Slack shows for a deal, with its score under a model when there is one. */
export interface SlackDealRow {
  deal_id: string
  deal_name: string | null
  owner_id: string
  owner_email: string | null
  amount: number
  amount_band: string
  currency: string | null
  stage: string
  outcome: 'won' | 'lost' | 'open'
  created_date: string
  closed_date: string | null
  stage_entered_date: string | null
  lost_at_stage: string | null
  last_activity_date: string | null
  updated_date: string | null
  crm_url: string | null
  health_score: number | null
  win_probability: number | null
  basis: string | null
  reasons: string | null
}

const DEAL_COLUMNS = [
  'deals.deal_id',
  'deals.deal_name',
  'deals.owner_id',
  'deals.owner_email',
  'deals.amount',
  'deals.amount_band',
  'deals.currency',
  'deals.stage',
  'deals.outcome',
  'deals.created_date',
  'deals.closed_date',
  'deals.stage_entered_date',
  'deals.lost_at_stage',
  'deals.last_activity_date',
  'deals.updated_date',
  'deals.crm_url',
] as const

/**
 * Deals matching `idOrName`: the deal with that id, else deals whose name contains it
 * (case-insensitive), largest first (then by deal id), else the deals whose id it is in another
 * case (by deal id), at most `limit`; with their score under `modelId`.
 * Only deals of `ownerIds` when given. Archived deals are left out.
 */
export async function findDealsByIdOrName(
  db: Kysely<Database>,
  idOrName: string,
  modelId: number | null,
  limit: number,
  ownerIds?: readonly string[],
): Promise<SlackDealRow[]> {
  if (ownerIds !== undefined && ownerIds.length === 0) return []
  const base = () =>
    db
      .selectFrom('deals')
      .leftJoin('deal_scores', (j) => j.onRef('deal_scores.deal_id', '=', 'deals.deal_id').on('deal_scores.model_id', '=', modelId ?? -1))
      .select([...DEAL_COLUMNS, 'deal_scores.health_score', 'deal_scores.win_probability', 'deal_scores.basis', 'deal_scores.reasons'])
      .where('deals.archived', '=', 0)
      .$if(ownerIds !== undefined, (q) => q.where('deals.owner_id', 'in', [...(ownerIds ?? [])]))
  // An id typed in another Unicode form than a CSV import stored it in (composed) is the same deal.
  const ids = [...new Set([idOrName, composedDealId(idOrName)])]
  const exact = await base().where('deals.deal_id', 'in', ids).execute()
  if (exact.length > 0) return exact as SlackDealRow[]
  const folded = foldText(idOrName)
  const pattern = likePattern(folded)
  // SQLite's lower() folds A-Z only: on SQLite, a name typed with other letters (`Ärzte`) is
  // compared through UNICODE_LOWER, and only on the rows that match with each of those letters
  // left open (`%_rzte%`), as calling JavaScript for every row is slower.
  const asciiOnly = !NOT_ASCII.test(folded)
  const byName: RawBuilder<boolean> =
    asciiOnly || dialectOf(db) === 'postgres'
      ? // An explicit escape character: SQLite's LIKE has none by default, Postgres's is the backslash.
        sql<boolean>`${FOLDED_NAME} like ${pattern} escape '\\'`
      : sql<boolean>`${FOLDED_NAME} like ${likePattern(folded, true)} escape '\\' and ${sql.raw(UNICODE_LOWER)}(deals.deal_name) like ${pattern} escape '\\'`
  const rows = await base().where(byName).orderBy('deals.amount', 'desc').orderBy('deals.deal_id').limit(limit).execute()
  if (rows.length > 0) return rows as SlackDealRow[]
  // An id typed in another case than stored (`d000275` for `D000275`, as people type in Slack),
  // when no name holds what was typed: a scan of every id, as the name search is.
  const lowered = [...new Set(ids.map((id) => id.toLowerCase()))]
  const byIdAnyCase = await base().where(sql`lower(deals.deal_id)`, 'in', lowered).orderBy('deals.deal_id').limit(limit).execute()
  return byIdAnyCase as SlackDealRow[]
}

// The deal's name folded in SQL as foldText folds what is typed (on SQLite, A-Z and the sharp s only).
const FOLDED_NAME = sql`replace(replace(lower(deals.deal_name), 'ß', 'ss'), 'ẞ', 'ss')`

// A character outside ASCII (from U+0080 on; by code point, as SQLite's `_` counts characters).
const NOT_ASCII = /[\u0080-\u{10ffff}]/u
const NOT_ASCII_ALL = /[\u0080-\u{10ffff}]/gu

// `%text%` for LIKE with its wildcards and escape character taken literally; `asciiOnly`: every
// character outside ASCII matches any one character instead.
function likePattern(text: string, asciiOnly = false): string {
  const escaped = text.replace(/[\\%_]/g, (c) => `\\${c}`)
  return `%${asciiOnly ? escaped.replace(NOT_ASCII_ALL, '_') : escaped}%`
}

/**
 * Open deals of `ownerIds` (every owner when undefined), lowest health score under `modelId`
 * first (unscored last, then largest, then by deal id), at most `limit`. Archived deals are left out.
 */
export async function findOpenDealsByHealth(
  db: Kysely<Database>,
  ownerIds: readonly string[] | undefined,
  modelId: number | null,
  limit: number,
): Promise<SlackDealRow[]> {
  let q = db
    .selectFrom('deals')
    .leftJoin('deal_scores', (j) => j.onRef('deal_scores.deal_id', '=', 'deals.deal_id').on('deal_scores.model_id', '=', modelId ?? -1))
    .select([...DEAL_COLUMNS, 'deal_scores.health_score', 'deal_scores.win_probability', 'deal_scores.basis', 'deal_scores.reasons'])
    .where('deals.outcome', '=', 'open')
    .where('deals.archived', '=', 0)
  if (ownerIds !== undefined) {
    if (ownerIds.length === 0) return []
    q = q.where('deals.owner_id', 'in', [...ownerIds])
  }
  const rows = await q
    .orderBy((eb) => eb.case().when('deal_scores.health_score', 'is', null).then(1).else(0).end())
    .orderBy('deal_scores.health_score', 'asc')
    .orderBy('deals.amount', 'desc')
    // Ties by deal id (compared bytewise on both databases): a limit then keeps the same deals on either.
    .orderBy('deals.deal_id')
    .limit(limit)
    .execute()
  return rows as SlackDealRow[]
}

/** A stored score of a deal, with when it was computed and when a CSV import last wrote the deal. */
export interface StoredDealScore {
  health_score: number
  win_probability: number
  basis: string
  reasons: string
  /** The day the score was computed for (`YYYY-MM-DD`). */
  as_of: string
  /** ISO time the score was computed. */
  scored_at: string
  /** ISO time the CSV import that last wrote the deal finished; null for a deal no import wrote (a CRM's). */
  imported_at: string | null
}

/**
 * Scores of `dealIds` under `modelId`, keyed by deal id, with the day each was computed for
 * (`as_of`), when (`scored_at`), and when a CSV import last wrote the deal (`imported_at`): a
 * score older than that import was computed from the deal as it was before (an import does not
 * score).
 */
export async function findDealScores(
  db: Kysely<Database>,
  modelId: number,
  dealIds: readonly string[],
): Promise<Map<string, StoredDealScore>> {
  const out = new Map<string, StoredDealScore>()
  for (let i = 0; i < dealIds.length; i += 500) {
    const rows = await db
      .selectFrom('deal_scores')
      .innerJoin('deals', 'deals.deal_id', 'deal_scores.deal_id')
      .leftJoin('import_runs', 'import_runs.run_id', 'deals.import_run_id')
      .select([
        'deal_scores.deal_id',
        'deal_scores.health_score',
        'deal_scores.win_probability',
        'deal_scores.basis',
        'deal_scores.reasons',
        'deal_scores.as_of',
        'deal_scores.scored_at',
        'import_runs.finished_at as imported_at',
      ])
      .where('deal_scores.model_id', '=', modelId)
      .where('deal_scores.deal_id', 'in', dealIds.slice(i, i + 500))
      .execute()
    for (const { deal_id, ...r } of rows) out.set(deal_id, r)
  }
  return out
}

/**
 * Deal counts and the last CSV import and CRM sync, for `/pulse status`; a sync whose process is
 * gone without recording its end shows as `interrupted` (see `isSyncGoingOn`).
 */
export async function findStoreStatus(db: Kysely<Database>): Promise<{
  deals: number
  openDeals: number
  lastImport: { at: string; status: string; rows: number; file: string | null } | undefined
  lastSync: { at: string; status: string; rows: number; source: string } | undefined
}> {
  const counts = await db
    .selectFrom('deals')
    .select((eb) => [
      eb.fn.countAll<number>().as('n'),
      eb.fn.sum<number>(eb.case().when('outcome', '=', 'open').then(1).else(0).end()).as('open'),
    ])
    .where('archived', '=', 0)
    .executeTakeFirstOrThrow()
  const imp = await latestImportRuns(db)
    .select(['started_at', 'finished_at', 'status', 'rows_inserted', 'rows_updated', 'file'])
    .limit(1)
    .executeTakeFirst()
  const sync = await db
    .selectFrom('sync_runs')
    .select(['started_at', 'finished_at', 'status', 'deals', 'source'])
    .orderBy('run_id', 'desc')
    .limit(1)
    .executeTakeFirst()
  return {
    deals: Number(counts.n),
    openDeals: Number(counts.open ?? 0),
    lastImport: imp
      ? { at: imp.finished_at ?? imp.started_at, status: imp.status, rows: imp.rows_inserted + imp.rows_updated, file: imp.file }
      : undefined,
    lastSync: sync
      ? {
          at: sync.finished_at ?? sync.started_at,
          // A run left `running` by a process killed outright is not going on (as in `pulse status`).
          status: sync.status === 'running' && !(await isSyncGoingOn(db, new Date())) ? 'interrupted' : sync.status,
          rows: Number(sync.deals),
          source: sync.source,
        }
      : undefined,
  }
}
