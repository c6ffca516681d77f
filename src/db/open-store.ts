import { accessSync, constants, mkdirSync, statfsSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, type MigrationProvider, Migrator, SqliteDialect, sql } from 'kysely'
import type pg from 'pg'
import {
  AppError,
  DATABASE_BUSY,
  DATABASE_FULL,
  databaseDamaged,
  isDatabaseBusy,
  isDatabaseDamaged,
  isDatabaseFull,
  isDatabaseReadOnly,
} from '../errors.js'
import { type DialectName, dialectOf, foldText, UNICODE_LOWER } from './dialect.js'
import { MIGRATIONS } from './migration-list.js'
import type { Database } from './schema.js'

/** An open store: the Kysely handle plus, on SQLite, the raw connection for bulk writes. */
export interface Store {
  readonly db: Kysely<Database>
  readonly dialect: DialectName
  /** The better-sqlite3 connection (SQLite only): used by the bulk importer. */
  readonly sqlite: SqliteDatabase.Database | undefined
  /** The `pg` pool behind `db` (PostgreSQL only): the bulk importer takes a client from it for `COPY`. */
  readonly pgPool: pg.Pool | undefined
  close(): Promise<void>
}

/** Where to open the store: a SQLite file (`:memory:` for tests), or a PostgreSQL URL. */
export interface StoreOptions {
  /** SQLite file; ignored when `url` is set. */
  readonly path: string
  /** `postgres://...` (`PULSE_DATABASE_URL`): use PostgreSQL instead of SQLite. */
  readonly url?: string
  /** PostgreSQL schema to use (created when missing); default `public`. Tests use one per store. */
  readonly schema?: string
  /** Open read-only, for a second reader while a writer works. No migrations run. */
  readonly readonly?: boolean
  /**
   * Told, before they run, what the pending migrations of a store holding many deals are about to
   * do (a line for stderr: an upgrade that reads the whole store can take a while).
   */
  readonly onUpgrade?: (note: string) => void
}

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS }

/**
 * Opens (creating when needed) the SQLite store at `options.path` in WAL mode and brings its
 * schema up to date. The folder of the file is created when missing.
 *
 * @throws AppError `bad_file` when the file cannot be opened or is not a Sales Pulse database.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  // pg loads only for a PostgreSQL store, so SQLite commands start quicker.
  if (options.url) return (await import('./open-postgres-store.js')).openPostgresStore(options.url, options.schema, options.onUpgrade)
  const memory = options.path === ':memory:'
  let opened: SqliteDatabase.Database | undefined
  try {
    if (!memory && !options.readonly) mkdirSync(dirname(options.path), { recursive: true })
    opened = new SqliteDatabase(options.path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false })
    // First, so that setting the journal mode waits for a writer that holds the file (a first bulk import).
    opened.pragma('busy_timeout = 5000')
    const foreign = memory ? [] : foreignTables(opened)
    if (foreign.length > 0)
      throw new AppError(
        'bad_file',
        `Cannot open the database at ${options.path}: it is a SQLite database of another program (it has tables such as ${foreign.join(', ')}, and none of Sales Pulse's), so Sales Pulse leaves it as it is. Point --db or PULSE_DB at your Sales Pulse database, or at a new file to start one.`,
      )
    if (!options.readonly) opened.pragma('page_size = 8192') // takes effect only for a new database: before its first table
    if (!memory && !options.readonly) opened.pragma('journal_mode = WAL')
    opened.pragma('synchronous = NORMAL')
    opened.pragma('foreign_keys = ON')
    opened.pragma('cache_size = -65536')
    opened.pragma('temp_store = MEMORY')
    // SQLite's own lower() folds only A-Z: name searches with accents use this one (see findDealsByIdOrName).
    opened.function(UNICODE_LOWER, { deterministic: true }, (text: unknown) => (typeof text === 'string' ? foldText(text) : text))
  } catch (error) {
    opened?.close()
    if (error instanceof AppError) throw error
    if (isDatabaseBusy(error)) throw new AppError('bad_file', `${DATABASE_BUSY} (${options.path})`, { cause: error })
    // A file that is not SQLite at all (a CSV given as --db) keeps the advice to check the path below.
    if (isDatabaseDamaged(error) && (error as { code?: unknown }).code !== 'SQLITE_NOTADB')
      throw new AppError('bad_file', databaseDamaged((error as Error).message, options.path), { cause: error })
    const folder = dirname(options.path)
    // SQLite needs room beside the file even to read it: its -wal and -shm files.
    if (!memory && (isDatabaseFull(error) || (isDiskError(error) && diskNearlyFull(folder))))
      throw new AppError(
        'bad_file',
        `Cannot open the database at ${options.path}: the disk that holds it is full (SQLite: ${(error as Error).message}), and SQLite needs some room beside the database even to read it (its -wal and -shm files). Free some space on that disk (or move PULSE_DB to a larger one) and run the command again.`,
        { cause: error },
      )
    const problem = memory || options.readonly ? null : folderProblem(folder)
    if (problem)
      throw new AppError(
        'bad_file',
        `Cannot open the database at ${options.path}: its folder ${folder} ${problem} (${(error as Error).message}), and SQLite writes the database and its -wal and -shm files there. Make the folder writable, or point --db or PULSE_DB at a file in a folder that is.`,
        { cause: error },
      )
    if (!memory && isFolder(options.path))
      throw new AppError(
        'bad_file',
        `Cannot open the database at ${options.path}: it is a folder, not a database file. Point --db or PULSE_DB at a file (such as ${join(options.path, 'pulse.db')}).`,
        { cause: error },
      )
    throw new AppError(
      'bad_file',
      `Cannot open the database at ${options.path}: ${(error as Error).message}. Check the path (--db or PULSE_DB).`,
      { cause: error },
    )
  }
  const sqlite = opened
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
  if (!options.readonly) await migrateToLatest(db, undefined, options.onUpgrade)
  return {
    db,
    dialect: 'sqlite',
    sqlite,
    pgPool: undefined,
    close: () => db.destroy(),
  }
}

/**
 * Applies every pending migration. Safe to call on every start. On PostgreSQL pass the schema the
 * store lives in, so that migration bookkeeping in other schemas of the same database is ignored.
 *
 * An existing store of at least {@link LARGE_STORE_DEALS} deals with migrations pending first has
 * `onUpgrade` told so ({@link upgradeNote}).
 *
 * @throws AppError `bad_file` naming the migration that failed, saying the database is busy
 * when another process's write kept a SQLite store's pending migrations waiting, or that a
 * SQLite store needing them is read-only for this user.
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  migrationTableSchema?: string,
  onUpgrade?: (note: string) => void,
): Promise<void> {
  const migrator = new Migrator({ db, provider, ...(migrationTableSchema ? { migrationTableSchema } : {}) })
  // SQLite: Kysely takes no lock between processes there, so two commands started together on a
  // store of an older release would both apply its new migrations. One write transaction holds
  // them all: the first process applies them (all or none), the others then find nothing to do.
  const known = dialectOf(db) === 'sqlite' ? await migrator.getMigrations() : []
  const firstPending = known.find((m) => m.executedAt === undefined)?.name
  const isNew = known.every((m) => m.executedAt === undefined)
  const locked = firstPending !== undefined
  if (firstPending !== undefined)
    await beginImmediateWhenFree(db).catch((e: unknown) => {
      throw isDatabaseReadOnly(e) ? migrationReadOnly(firstPending, isNew, e) : e
    })
  if (onUpgrade) await noteLargeUpgrade(db, known.length > 0 ? known : await migrator.getMigrations(), onUpgrade)
  let { error, results } = await migrator.migrateToLatest()
  if (locked && error) await sql`ROLLBACK`.execute(db).catch(() => undefined) // SQLite may have rolled back already
  if (locked && !error)
    error = await sql`COMMIT`.execute(db).then(
      () => undefined,
      (e: unknown) => e,
    )
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    // A newer version of Sales Pulse migrated this database (the app was downgraded since).
    const newer = /previously executed migration (\S+) is missing/.exec((error as Error).message ?? '')
    if (newer)
      throw new AppError(
        'bad_file',
        `This database was set up by a newer version of Sales Pulse (its migration ${newer[1]} is unknown to this version): run that newer version (or later) on it, or restore a backup taken before the upgrade.`,
        { cause: error },
      )
    if (isDatabaseBusy(error)) throw new AppError('bad_file', DATABASE_BUSY, { cause: error })
    if (isDatabaseReadOnly(error)) throw migrationReadOnly(failed, isNew, error)
    if (isDatabaseDamaged(error)) throw new AppError('bad_file', databaseDamaged((error as Error).message), { cause: error })
    if (isDatabaseFull(error))
      throw new AppError('bad_file', `${DATABASE_FULL} (migration ${failed}: ${(error as Error).message})`, { cause: error })
    throw new AppError(
      'bad_file',
      `The database schema could not be updated (migration ${failed}): ${(error as Error).message ?? String(error)}. Is this a Sales Pulse database?`,
      { cause: error },
    )
  }
}

/** Deals from which a store's upgrade is said on stderr before it runs (each migration that reads every deal takes about a second a million). */
export const LARGE_STORE_DEALS = 100_000

/**
 * The line said before `pending` migrations (names) run on a store of `deals` deals: what is
 * happening, that it may take a while, and that other commands wait for it.
 * @example upgradeNote(['0020-stage-spelling-after-sync'], 1_000_000)
 */
export function upgradeNote(pending: readonly string[], deals: number): string {
  const which = pending.length === 1 ? `migration ${pending[0]}` : `migrations ${pending[0]} to ${pending[pending.length - 1]}`
  return `Upgrading the database to this version of Sales Pulse (${which}) over its ${deals.toLocaleString('en-US')} deals: it reads every deal and stage stay once, which can take a while; other pulse commands on it wait until it is done.`
}

/** Tells `onUpgrade` of the pending migrations of an existing store holding at least {@link LARGE_STORE_DEALS} deals. */
async function noteLargeUpgrade(
  db: Kysely<Database>,
  migrations: ReadonlyArray<{ name: string; executedAt?: Date }>,
  onUpgrade: (note: string) => void,
): Promise<void> {
  const pending = migrations.filter((m) => m.executedAt === undefined).map((m) => m.name)
  // A new store has nothing to upgrade, only tables to create.
  if (pending.length === 0 || pending.length === migrations.length) return
  const counted = await db
    .selectFrom('deals')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirst()
    .catch(() => undefined)
  const deals = Number(counted?.n ?? 0)
  if (deals >= LARGE_STORE_DEALS) onUpgrade(upgradeNote(pending, deals))
}

/**
 * The refusal for a SQLite store of an earlier release that this user may only read: its
 * `migration` must be applied (by someone who may write it) before this version can read it.
 * `isNew`: the file holds no store yet (nothing to bring up to date, only to set up).
 */
function migrationReadOnly(migration: string, isNew: boolean, cause: unknown): AppError {
  if (isNew)
    return new AppError(
      'bad_file',
      'The database file is read-only for this user, so Sales Pulse cannot set it up: make it and its folder writable (or run as their owner), or point --db or PULSE_DB at a new file in a folder you may write.',
      { cause },
    )
  return new AppError(
    'bad_file',
    `This database was set up by an earlier version of Sales Pulse and must be brought up to date (migration ${migration}) before this version can read it, but it is read-only for this user, so nothing was changed. Run any pulse command on it once as a user who may write the file and its folder (its owner), or make them writable; or run the earlier version on it.`,
    { cause },
  )
}

/** How long opening a store waits for another process's write before it gives up (SQLite's busy timeout). */
const MIGRATION_LOCK_WAIT_MS = 5000

/**
 * Begins a SQLite write transaction (`BEGIN IMMEDIATE`), trying again every 50 ms while another
 * process writes, for up to {@link MIGRATION_LOCK_WAIT_MS}: between tries the process runs on
 * (better-sqlite3 would otherwise wait out its busy timeout with the process stopped).
 *
 * @throws AppError `bad_file` saying the database is busy (SQLite's busy error as its cause) when the file stayed held.
 */
async function beginImmediateWhenFree(db: Kysely<Database>): Promise<void> {
  const giveUpAt = Date.now() + MIGRATION_LOCK_WAIT_MS
  const before = (await sql<{ timeout: number }>`PRAGMA busy_timeout`.execute(db)).rows[0]?.timeout ?? 0
  await sql`PRAGMA busy_timeout = 0`.execute(db)
  try {
    for (;;) {
      try {
        await sql`BEGIN IMMEDIATE`.execute(db)
        return
      } catch (error) {
        if (!isDatabaseBusy(error)) throw error
        if (Date.now() >= giveUpAt) throw new AppError('bad_file', DATABASE_BUSY, { cause: error })
      }
      await sleep(50)
    }
  } finally {
    await sql.raw(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(Number(before)))}`).execute(db)
  }
}

/**
 * Up to three tables of a database that is not a Sales Pulse store: one with tables but without
 * the migration bookkeeping every Sales Pulse store has had from its first release (the
 * `kysely_migration` table, created in the same transaction as Sales Pulse's own tables). Empty
 * for a new file or a Sales Pulse store.
 */
function foreignTables(sqlite: SqliteDatabase.Database): string[] {
  const tables = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    .pluck()
    .all() as string[]
  return tables.includes('kysely_migration') ? [] : tables.slice(0, 3)
}

/**
 * What keeps this process from creating files in `folder`: `is a file, not a folder`, `is
 * read-only here`, `could not be created`; null when it may.
 */
function folderProblem(folder: string): string | null {
  try {
    if (!statSync(folder).isDirectory()) return 'is a file, not a folder'
  } catch {
    return 'could not be created'
  }
  try {
    accessSync(folder, constants.W_OK | constants.X_OK)
    return null
  } catch {
    return 'is read-only here'
  }
}

/** Whether `error` is SQLite failing to read or write a file (`SQLITE_IOERR*`: a disk error, a full disk it could not name). */
function isDiskError(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && code.startsWith('SQLITE_IOERR')
}

/** Whether the disk that holds `folder` has less than 1 MiB left for this user (false when that cannot be told). */
function diskNearlyFull(folder: string): boolean {
  try {
    const disk = statfsSync(folder)
    return disk.bavail * disk.bsize < 1024 * 1024
  } catch {
    return false
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
