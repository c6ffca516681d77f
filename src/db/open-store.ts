import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, type MigrationProvider, Migrator, PostgresDialect, SqliteDialect } from 'kysely'
import pg from 'pg'
import { AppError, DATABASE_BUSY, isDatabaseBusy } from '../errors.js'
import type { DialectName } from './dialect.js'
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
}

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS }

/**
 * Opens (creating when needed) the SQLite store at `options.path` in WAL mode and brings its
 * schema up to date. The folder of the file is created when missing.
 *
 * @throws AppError `bad_file` when the file cannot be opened or is not a Sales Pulse database.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.url) return openPostgresStore(options.url, options.schema)
  const memory = options.path === ':memory:'
  if (!memory && !options.readonly) mkdirSync(dirname(options.path), { recursive: true })
  let opened: SqliteDatabase.Database | undefined
  try {
    opened = new SqliteDatabase(options.path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false })
    // First, so that setting the journal mode waits for a writer that holds the file (a first bulk import).
    opened.pragma('busy_timeout = 5000')
    if (!options.readonly) opened.pragma('page_size = 8192') // takes effect only for a new database: before its first table
    if (!memory && !options.readonly) opened.pragma('journal_mode = WAL')
    opened.pragma('synchronous = NORMAL')
    opened.pragma('foreign_keys = ON')
    opened.pragma('cache_size = -65536')
    opened.pragma('temp_store = MEMORY')
  } catch (error) {
    opened?.close()
    if (isDatabaseBusy(error)) throw new AppError('bad_file', `${DATABASE_BUSY} (${options.path})`, { cause: error })
    throw new AppError(
      'bad_file',
      `Cannot open the database at ${options.path}: ${(error as Error).message}. Check the path (--db or PULSE_DB).`,
      { cause: error },
    )
  }
  const sqlite = opened
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
  if (!options.readonly) await migrateToLatest(db)
  return {
    db,
    dialect: 'sqlite',
    sqlite,
    pgPool: undefined,
    close: () => db.destroy(),
  }
}

// Postgres returns 64-bit integers and numerics as strings; the store's counts and amounts fit a double.
pg.types.setTypeParser(20, (v) => Number(v))
pg.types.setTypeParser(1700, (v) => Number(v))

/**
 * pg's client, closing its socket when connecting fails on our side (a password the server asks
 * for and the URL lacks): pg leaves that socket open until the server gives up, a minute later,
 * and the command waits for it.
 */
class ClosingClient extends pg.Client {
  override connect(): Promise<pg.Client>
  override connect(callback: (err: Error | null, client?: pg.Client) => void): void
  override connect(callback?: (err: Error | null, client?: pg.Client) => void): Promise<pg.Client> | undefined {
    if (callback === undefined) return super.connect()
    super.connect((err: Error | null) => {
      if (err) (this as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy()
      callback(err, this)
    })
    return undefined
  }
}

async function openPostgresStore(url: string, schema: string | undefined): Promise<Store> {
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new AppError('bad_config', `"${schema}" is not a valid schema name.`)
  if (!readsAsOneUrl(url))
    throw new AppError(
      'bad_config',
      'PULSE_DATABASE_URL cannot be read as one URL: a user name or password with @, #, /, : or ? in it must be percent-encoded (@ as %40, # as %23, / as %2F, : as %3A, ? as %3F).',
    )
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    Client: ClosingClient,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  })
  // A connection the server drops (restart, failover, terminated backend) must not end the
  // process: pg emits it as an 'error' event, fatal without a listener. An idle one is simply
  // left out of the pool; one in use fails its query, and that error reaches the caller.
  pool.on('error', () => undefined)
  pool.on('connect', (client) => client.on('error', () => undefined))
  let where: { name: string | null; path: string; role: string }
  try {
    const client = await pool.connect()
    try {
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
      const { rows } = await client.query<{ name: string | null; path: string; role: string }>(
        `SELECT current_schema() AS name, current_setting('search_path') AS path, current_user AS role`,
      )
      where = rows[0] as { name: string | null; path: string; role: string }
    } finally {
      client.release()
    }
  } catch (error) {
    await pool.end()
    const reason = (error as Error).message
    // pg's own words for "the server wants a password and none was given" name SASL internals.
    if (!hasPassword(url) && /password/i.test(reason))
      throw new AppError(
        'bad_config',
        'Cannot connect to PostgreSQL (PULSE_DATABASE_URL): the server asks for a password and the URL gives none; write it as postgres://USER:PASSWORD@host:5432/database.',
        { cause: error },
      )
    throw new AppError(
      'bad_config',
      `Cannot connect to PostgreSQL (PULSE_DATABASE_URL): ${reason}. Check the URL, the server and its credentials.`,
      {
        cause: error,
      },
    )
  }
  if (where.name === null) {
    // No schema of the search_path exists: there is nowhere to create the tables.
    await pool.end()
    const wanted = where.path
      .split(',')
      .map((s) => s.trim())
      .find((s) => s !== '' && s !== '"$user"' && s !== '$user')
    throw new AppError(
      'bad_config',
      `PULSE_DATABASE_URL sets search_path to ${JSON.stringify(where.path)}, and no schema of it exists in that database: create it first (CREATE SCHEMA ${wanted ?? 'pulse'}) or remove search_path from the URL.`,
    )
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  // Kysely looks for its migration tables in every schema unless told which one: name ours.
  try {
    await migrateToLatest(db, where.name)
  } catch (error) {
    await db.destroy()
    // 42501 insufficient_privilege: the role may not create the tables (PostgreSQL 15 and later
    // no longer let every role create in `public`).
    if ((error as { cause?: { code?: unknown } }).cause?.code === '42501')
      throw new AppError(
        'bad_config',
        `The PostgreSQL role ${where.role} may not create or update Sales Pulse's tables in schema ${where.name} (${((error as AppError).cause as Error).message}): run one command (pulse status) once as the owner of the schema and its tables, or grant it with GRANT CREATE ON SCHEMA ${where.name} TO ${where.role} if the tables do not exist yet.`,
        { cause: error },
      )
    throw error
  }
  return { db, dialect: 'postgres', sqlite: undefined, pgPool: pool, close: () => db.destroy() }
}

/**
 * False when `url` has a `#` or more than one `@` before its path: a password with unencoded
 * special characters, which would otherwise be split into a host name (shown in errors) and a
 * fragment.
 */
function readsAsOneUrl(url: string): boolean {
  if (url.includes('#')) return false
  const rest = url.slice(url.indexOf('://') + 3)
  const authority = rest.split(/[/?]/)[0] ?? ''
  return authority.split('@').length <= 2
}

/** Whether a `postgres://` URL carries a password (never logged or shown). */
function hasPassword(url: string): boolean {
  try {
    return new URL(url).password !== ''
  } catch {
    return true
  }
}

/**
 * Applies every pending migration. Safe to call on every start. On PostgreSQL pass the schema the
 * store lives in, so that migration bookkeeping in other schemas of the same database is ignored.
 *
 * @throws AppError `bad_file` naming the migration that failed.
 */
export async function migrateToLatest(db: Kysely<Database>, migrationTableSchema?: string): Promise<void> {
  const migrator = new Migrator({ db, provider, ...(migrationTableSchema ? { migrationTableSchema } : {}) })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    throw new AppError(
      'bad_file',
      `The database schema could not be updated (migration ${failed}): ${(error as Error).message ?? String(error)}. Is this a Sales Pulse database?`,
      { cause: error },
    )
  }
}
