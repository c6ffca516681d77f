import { finished } from 'node:stream/promises'
import type pg from 'pg'
import type { CopyStreamQuery } from 'pg-copy-streams'
import { type DisplacedOwner, displacedCrmOwners } from '../domain/crm-owner-key.js'
import { noteOwnerEmail } from '../domain/note-owner-email.js'
import { AppError } from '../errors.js'
import {
  BULK_MIN_ROWS,
  type CommittedImport,
  DEAL_COLUMNS,
  type DealImport,
  type DealImportRun,
  dealUpsertSet,
  type ImportRollup,
  keepsStageLostAtSql,
} from './begin-deal-import.js'
import { postgresRollupWrites } from './refresh-analytics-rollup.js'

const STAGING = 'pulse_import_staging'
const CHANGED = 'pulse_import_changed'
const REJECTS_PER_STATEMENT = 5000

/**
 * The PostgreSQL side of `beginDealImport`: one transaction on one pooled client, opened at once
 * (the import object is returned before the connection is ready; batches handed over meanwhile
 * wait in memory). Each batch streams into a temporary staging table through one `COPY ... FROM
 * STDIN`; at commit, with `deals` and `stage_history` locked against other writers (readers
 * go on), set-based statements count the deals already stored, replace the histories
 * that came with the file, record stage changes as SQLite's importer does, upsert `deals`, then
 * the quarantined rows, owners, the run's counts and `meta.data_version`. A large import (same
 * rule as SQLite) sets the secondary indexes aside and rebuilds them before commit. A killed
 * process or a failed statement leaves the database unchanged (the server rolls back).
 */
export function beginPostgresDealImport(pool: pg.Pool, run: DealImportRun): DealImport {
  const nowIso = run.now.toISOString()
  const today = run.today ?? nowIso.slice(0, 10)
  const owners = new Map<string, string | null>()
  const rejects: Array<[number, string, string]> = []
  let client: pg.PoolClient | undefined
  let copy: CopyStreamQuery | undefined
  let failure: unknown
  let queued: string[] = []
  let staged = 0
  let finishedTx = false
  let commitSent = false
  const remember = (error: unknown) => {
    failure ??= error
  }

  const started = (async () => {
    client = await pool.connect()
    // A connection the server drops mid-import is an 'error' event: keep it for commit to report.
    client.on('error', remember)
    await client.query('BEGIN')
    const runId = (
      await client.query<{ run_id: number }>(
        `INSERT INTO import_runs (source, file, started_by, started_at, status) VALUES ($1, $2, $3, $4, 'running') RETURNING run_id`,
        [run.source, run.file, run.startedBy, nowIso],
      )
    ).rows[0]?.run_id as number
    const columns = DEAL_COLUMNS.filter((c) => c !== 'import_run_id')
    await client.query(`CREATE TEMP TABLE ${STAGING} (${await stagingColumns(client, columns)}, stays jsonb) ON COMMIT DROP`)
    const { from: copyFrom } = await import('pg-copy-streams')
    copy = client.query(copyFrom(`COPY ${STAGING} (${columns.join(', ')}, stays) FROM STDIN`))
    copy.on('error', remember)
    for (const text of queued) copy.write(text)
    queued = []
    return { runId }
  })()
  started.catch(remember)

  // Resolves once the COPY stream can take more (or has failed: the failure is kept for commit).
  // One wait is shared by every batch written meanwhile (the parser may hand over several).
  let draining: Promise<void> | undefined
  const drained = (): Promise<void> => {
    draining ??= new Promise<void>((resolve) => {
      const stream = copy as CopyStreamQuery
      const done = () => {
        stream.off('drain', done)
        stream.off('error', done)
        stream.off('close', done)
        draining = undefined
        resolve()
      }
      stream.on('drain', done)
      stream.on('error', done)
      stream.on('close', done)
    })
    return draining
  }

  // Everything the commit does, on the import's connection; see `commit` below for its failures.
  const commitAll = async (
    counts: { read: number; rejected: number },
    pending: ImportRollup | Promise<ImportRollup | undefined> | undefined,
  ): Promise<CommittedImport> => {
    const { runId } = await started
    const stream = copy as CopyStreamQuery
    // Ending a COPY whose connection is gone throws (pg-copy-streams reads the dead connection):
    // the failure that ended it comes first.
    try {
      if (failure === undefined) {
        stream.end()
        await finished(stream)
      }
    } catch (error) {
      remember(error)
    }
    if (failure !== undefined) throw failure
    const c = client as pg.PoolClient
    const q = (text: string, values?: unknown[]) => c.query(text, values)
    // From here on no other writer changes deals or their history (imports and syncs from other
    // instances wait; readers do not), so what is stored now is what the merge sees.
    await q('LOCK TABLE deals, stage_history IN SHARE ROW EXCLUSIVE MODE')
    const emptyAtStart = (await q('SELECT 1 FROM deals LIMIT 1')).rowCount === 0
    // A first load (no deals, no history): nothing can conflict, so plain inserts will do.
    const fresh = emptyAtStart && (await q('SELECT 1 FROM stage_history LIMIT 1')).rowCount === 0
    const setAside = await setIndexesAside(c, run.expectedRows ?? 0, emptyAtStart, fresh)
    let stored = 0
    let staysKeptFromStore = 0
    let ownersMovedApart: DisplacedOwner[] = []
    if (!emptyAtStart) {
      stored = Number((await q(`SELECT count(*) AS n FROM ${STAGING} s JOIN deals d USING (deal_id)`)).rows[0].n)
      // Stored deals that show a new stage without a history: the stage change to record.
      await q(
        `CREATE TEMP TABLE ${CHANGED} ON COMMIT DROP AS
         SELECT s.deal_id, d.stage AS old_stage, coalesce(d.stage_entered_date, d.created_date) AS old_entered,
           s.stage AS new_stage, coalesce(s.stage_entered_date, s.updated_date, least(s.closed_date, $1)) AS entered_new,
           coalesce(${keepsStageLostAtSql({ outcome: 's.outcome', stage: 's.stage' }, 'd', run.openStages)}, false) AS keeps_lost_at,
           s.created_date = d.created_date AS same_created
         FROM ${STAGING} s JOIN deals d USING (deal_id) WHERE s.stays IS NULL AND d.stage <> s.stage`,
        [today],
      )
      // As SQLite's importer: a change dated before the stored stage entry or the stored
      // history's latest date (an older export over a newer one) would close a stay before it
      // began; the row (of the same timeline: the created date stored) is older than what is stored, so the deal is kept as stored, row and history
      // (a lost deal's row naming only its closed stage changes no stage: it is taken, its history kept).
      const kept = await q(
        `WITH older AS (
           DELETE FROM ${CHANGED} c WHERE c.same_created AND c.entered_new < greatest(c.old_entered,
             (SELECT max(greatest(h.entered_at, h.left_at)) FROM stage_history h WHERE h.deal_id = c.deal_id))
           RETURNING c.deal_id, c.keeps_lost_at)
         DELETE FROM ${STAGING} s USING older WHERE s.deal_id = older.deal_id AND NOT older.keeps_lost_at
         RETURNING s.owner_id`,
      )
      staysKeptFromStore = kept.rowCount ?? 0
      // A row kept as stored changes nothing, its owner's email included (an older export's
      // address): the owners of such rows take their email from the file's other rows alone, the
      // last non-empty one winning as in `noteOwnerEmail` (the staging table holds the rows in
      // file order: COPY appends them, and nothing but these deletes has changed it).
      const keptOwners = [...new Set(kept.rows.map((r: { owner_id: string }) => r.owner_id))]
      if (keptOwners.length > 0) {
        for (const id of keptOwners) owners.delete(id)
        const rest = await q(
          `SELECT owner_id, (array_agg(owner_email ORDER BY ctid DESC) FILTER (WHERE owner_email IS NOT NULL))[1] AS email
           FROM ${STAGING} WHERE owner_id = ANY($1::text[]) GROUP BY owner_id`,
          [keptOwners],
        )
        for (const r of rest.rows as Array<{ owner_id: string; email: string | null }>) owners.set(r.owner_id, r.email)
      }
      await q(`DELETE FROM stage_history h USING ${STAGING} s WHERE h.deal_id = s.deal_id AND s.stays IS NOT NULL`)
    }
    // As SQLite's importer: a deal kept as stored is neither inserted nor updated.
    const updated = stored - staysKeptFromStore
    const inserted = staged - stored
    const columns = DEAL_COLUMNS.filter((col) => col !== 'import_run_id')
    await q(
      `INSERT INTO deals (${columns.join(', ')}, import_run_id) SELECT ${columns.join(', ')}, $1 FROM ${STAGING}
       ${fresh ? '' : `ON CONFLICT (deal_id) DO UPDATE SET ${dealUpsertSet(run.keepStored, run.openStages)}`}`,
      [runId],
    )
    // No conflict is possible: the stored history of these deals is gone, and each deal's stays
    // are unique (see dealBatchOf).
    await q(
      `INSERT INTO stage_history (deal_id, stage, entered_at, left_at)
       SELECT s.deal_id, e.v ->> 0, e.v ->> 1, e.v ->> 2 FROM ${STAGING} s CROSS JOIN LATERAL jsonb_array_elements(s.stays) AS e(v)
       WHERE s.stays IS NOT NULL`,
    )
    // Indexes and keys back before the stage-change statements, whose upserts need the key.
    for (const statement of setAside) await q(statement)
    if (!emptyAtStart) {
      // As SQLite's importer: close the open stay, or when there is none, add the old stage's
      // stay closed at the change; then open the new stage's stay.
      await q(
        `INSERT INTO stage_history (deal_id, stage, entered_at, left_at)
         SELECT c.deal_id, c.old_stage, c.old_entered, c.entered_new FROM ${CHANGED} c
         WHERE NOT EXISTS (SELECT 1 FROM stage_history h WHERE h.deal_id = c.deal_id AND h.left_at IS NULL)
         ON CONFLICT (deal_id, entered_at, stage) DO UPDATE SET left_at = excluded.left_at`,
      )
      await q(`UPDATE stage_history h SET left_at = c.entered_new FROM ${CHANGED} c WHERE h.deal_id = c.deal_id AND h.left_at IS NULL`)
      await q(
        `INSERT INTO stage_history (deal_id, stage, entered_at, left_at)
         SELECT deal_id, new_stage, entered_new, NULL FROM ${CHANGED}
         ON CONFLICT (deal_id, entered_at, stage) DO UPDATE SET left_at = excluded.left_at`,
      )
      await q(
        `UPDATE deals d SET stage_entered_date = c.entered_new FROM ${CHANGED} c WHERE d.deal_id = c.deal_id AND d.stage_entered_date IS NULL`,
      )
    }
    for (let i = 0; i < rejects.length; i += REJECTS_PER_STATEMENT) {
      const slice = rejects.slice(i, i + REJECTS_PER_STATEMENT)
      await q('INSERT INTO rejected_rows (run_id, line, reason, raw) SELECT $1, * FROM unnest($2::integer[], $3::text[], $4::text[])', [
        runId,
        slice.map((r) => r[0]),
        slice.map((r) => r[1]),
        slice.map((r) => r[2]),
      ])
    }
    if (owners.size > 0) {
      // As SQLite's importer: an owner the file gives a new email passes it on to the deals of theirs the file left out.
      if (!emptyAtStart) {
        await q(
          `UPDATE deals d SET owner_email = o.email
           FROM unnest($1::text[], $2::text[]) AS o(id, email) JOIN owners s ON s.owner_id = o.id
           WHERE o.email IS NOT NULL AND s.email IS DISTINCT FROM o.email
             AND d.owner_id = o.id AND d.source = $3 AND d.owner_email <> o.email`,
          [[...owners.keys()], [...owners.values()], run.source],
        )
      }
      // As SQLite's importer (before the first deal too: a CRM stores its owner list first): a CRM owner
      // whose id the file gives another person (another email) moves to an id of its own, with its deals.
      const held = await q('SELECT owner_id, source, email FROM owners WHERE owner_id = ANY($1::text[])', [[...owners.keys()]])
      const byId = new Map((held.rows as Array<{ owner_id: string; source: string; email: string | null }>).map((r) => [r.owner_id, r]))
      ownersMovedApart = displacedCrmOwners(owners, byId)
      for (const d of ownersMovedApart) {
        await q(
          `INSERT INTO owners (owner_id, email, name, source, updated_at) SELECT $1, email, name, source, updated_at FROM owners WHERE owner_id = $2
           ON CONFLICT (owner_id) DO NOTHING`,
          [d.key, d.id],
        )
        await q('UPDATE deals SET owner_id = $1 WHERE owner_id = $2 AND source = $3', [d.key, d.id, d.source])
        await q('DELETE FROM owners WHERE owner_id = $1', [d.id])
      }
      await q(
        `INSERT INTO owners (owner_id, email, source, updated_at) SELECT o.id, o.email, $3, $4 FROM unnest($1::text[], $2::text[]) AS o(id, email)
         ON CONFLICT (owner_id) DO UPDATE SET email = coalesce(excluded.email, owners.email), updated_at = excluded.updated_at`,
        [[...owners.keys()], [...owners.values()], run.source, nowIso],
      )
    }
    await q(
      `UPDATE import_runs SET finished_at = $1, status = 'done', rows_read = $2, rows_inserted = $3, rows_updated = $4, rows_rejected = $5 WHERE run_id = $6`,
      [new Date().toISOString(), counts.read, inserted, updated, counts.rejected, runId],
    )
    const dataVersion = `${runId}:${nowIso}`
    await q(`INSERT INTO meta (key, value) VALUES ('data_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [
      dataVersion,
    ])
    const rollup = await pending
    const rollupWritten = rollup !== undefined && fresh
    if (rollupWritten) {
      for (const statement of postgresRollupWrites(rollup.built, { dataVersion, openStages: rollup.openStages })) {
        await q(statement.text, statement.values)
      }
    }
    commitSent = true
    await q('COMMIT')
    finishedTx = true
    if ((run.expectedRows ?? 0) >= BULK_MIN_ROWS) {
      // A fresh table has no page marked all-visible until it is vacuumed, so the open-deal
      // reports' index-only scans would visit every row (about 250 ms instead of 50 at a
      // million deals) until autovacuum comes round; vacuum it now (well under a second), and
      // give the planner fresh statistics. A refusal (not the table's owner) changes nothing.
      await q('VACUUM (ANALYZE) deals').catch(() => undefined)
    }
    c.off('error', remember)
    c.release()
    return { runId, inserted, updated, rollupWritten, staysKeptFromStore, ownersMovedApart } satisfies CommittedImport
  }

  return {
    upsertBatch(batch) {
      if (batch.format !== 'copy') throw new Error('a PostgreSQL import takes batches built for COPY')
      for (const [id, email] of batch.owners) noteOwnerEmail(owners, id, email)
      if (batch.size === 0 || failure !== undefined) return undefined
      staged += batch.size
      if (!copy) {
        queued.push(batch.copyText)
        return started.then(
          () => undefined,
          () => undefined,
        )
      }
      return copy.write(batch.copyText) ? undefined : drained()
    },
    reject(line, reason, raw) {
      rejects.push([line, reason, raw])
    },
    async commit(counts, rollup) {
      try {
        return await commitAll(counts, rollup)
      } catch (error) {
        throw lostConnection(error, commitSent) ?? error
      }
    },
    async rollback() {
      if (finishedTx) return
      finishedTx = true
      await started.catch(() => undefined)
      // Dropping the connection ends the COPY and the transaction at once: the server rolls back.
      client?.off('error', remember)
      client?.release(new Error('import rolled back'))
    },
  }
}

/**
 * The column definitions (`name type [COLLATE ...]`) of `columns` as `deals` declares them, read
 * from the catalog. Not `CREATE TABLE ... AS SELECT ... FROM deals`: a query of `deals` holds a
 * lock on it until commit, and two imports at once then deadlock when the one committing first
 * sets the indexes aside (dropping an index waits for every other lock on `deals`, while the
 * other import waits for the first one's lock on `deals` to merge its own rows).
 */
async function stagingColumns(client: pg.PoolClient, columns: readonly string[]): Promise<string> {
  const { rows } = await client.query<{ name: string; definition: string }>(
    `SELECT a.attname AS name, quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attcollation <> t.typcollation THEN ' COLLATE ' || quote_ident(n.nspname) || '.' || quote_ident(c.collname) ELSE '' END AS definition
     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_collation c ON c.oid = a.attcollation LEFT JOIN pg_namespace n ON n.oid = c.collnamespace
     WHERE a.attrelid = to_regclass('deals') AND a.attnum > 0 AND NOT a.attisdropped`,
  )
  const byName = new Map(rows.map((r) => [r.name, r.definition]))
  return columns
    .map((name) => {
      const definition = byName.get(name)
      if (definition === undefined) throw new Error(`the deals table has no column ${name}`)
      return definition
    })
    .join(', ')
}

/**
 * For a large import (see `DealImportRun.expectedRows`), drops the secondary indexes of `deals`
 * and `stage_history` and the primary key of `stage_history` (its new rows go in with plain
 * inserts), plus the key of `deals` on a first load (`fresh`: both tables empty, plain inserts
 * too), inside the transaction (only when the current role owns both tables; else none), and returns the statements that re-create them: one sort per
 * index instead of millions of B-tree inserts. Gives the index builds more sort memory.
 */
async function setIndexesAside(client: pg.PoolClient, expectedRows: number, empty: boolean, fresh: boolean): Promise<string[]> {
  if (expectedRows < BULK_MIN_ROWS) return []
  // Only the tables' owner may drop and re-create their indexes: an app role granted just the
  // rights to read and write them imports with the indexes in place.
  const owned = await client.query<{ n: number }>(
    `SELECT count(*) AS n FROM pg_class WHERE oid IN ('deals'::regclass, 'stage_history'::regclass) AND pg_has_role(current_user, relowner, 'USAGE')`,
  )
  if (Number(owned.rows[0]?.n) < 2) return []
  if (!empty) {
    const stored = Number((await client.query(`SELECT count(*) AS n FROM deals`)).rows[0].n)
    if (expectedRows < stored / 2) return []
  }
  const { rows } = await client.query<{ name: string; definition: string }>(
    `SELECT i.indexname AS name, i.indexdef AS definition FROM pg_indexes i
     WHERE i.schemaname = current_schema() AND i.tablename IN ('deals', 'stage_history')
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname AND k.connamespace = current_schema()::regnamespace)
     ORDER BY i.indexname`,
  )
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`
  for (const index of rows) await client.query(`DROP INDEX ${quote(index.name)}`)
  const recreate = rows.map((r) => r.definition)
  const keys = await client.query<{ table: string; name: string; definition: string }>(
    `SELECT k.conrelid::regclass::text AS table, k.conname AS name, pg_get_constraintdef(k.oid) AS definition FROM pg_constraint k
     WHERE k.conrelid IN (${fresh ? `'deals'::regclass, ` : ''}'stage_history'::regclass) AND k.contype = 'p' ORDER BY k.conname`,
  )
  await client.query(`SET LOCAL maintenance_work_mem = '256MB'`)
  for (const key of keys.rows) {
    await client.query(`ALTER TABLE ${key.table} DROP CONSTRAINT ${quote(key.name)}`)
    recreate.push(`ALTER TABLE ${key.table} ADD CONSTRAINT ${quote(key.name)} ${key.definition}`)
  }
  return recreate
}

// Server codes for a connection ended by the server (admin_shutdown, crash_shutdown, cannot_connect_now).
const CONNECTION_ENDED_CODES = new Set(['57P01', '57P02', '57P03', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'])

/**
 * The sentence for an import whose connection to the server was lost (server restarted, backend
 * terminated, network gone), or undefined for any other failure. Before COMMIT was sent the
 * server has rolled the transaction back; after, whether it was stored is not known.
 */
function lostConnection(error: unknown, commitSent: boolean): AppError | undefined {
  const e = error as { code?: unknown; message?: unknown } | null
  const message = typeof e?.message === 'string' ? e.message : ''
  const lost =
    (typeof e?.code === 'string' && CONNECTION_ENDED_CODES.has(e.code)) ||
    /connection terminated|connection error|not queryable|terminating connection/i.test(message)
  if (!lost) return undefined
  const why = message.replace(/\.$/, '')
  return new AppError(
    'nothing_imported',
    commitSent
      ? `The connection to PostgreSQL was lost while the import was committing (${why}), so whether it was stored is unknown: check with pulse status and run the import again if needed (re-importing the same file is safe).`
      : `The connection to PostgreSQL was lost during the import (${why}), so it was rolled back and nothing was imported: run the import again once the server answers.`,
    { cause: error },
  )
}
