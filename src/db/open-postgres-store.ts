/**
 * Opening a PostgreSQL store (`PULSE_DATABASE_URL`): the `pg` pool, the checks of the URL and of
 * the server's answer, and the migrations. Loaded by {@link openStore} only when a URL is given.
 */
import { Kysely } from 'kysely'
import pg from 'pg'
import { readPostgresUrl } from '../domain/read-postgres-url.js'
import { AppError } from '../errors.js'
import { migrateToLatest, type Store } from './open-store.js'
import type { Database } from './schema.js'
import { SchemaScopedPostgresDialect } from './schema-scoped-postgres-dialect.js'

// Postgres returns 64-bit integers and numerics as strings; the store's counts and amounts fit a double.
pg.types.setTypeParser(20, (v) => Number(v))
pg.types.setTypeParser(1700, (v) => Number(v))

/**
 * pg's client, closing its socket when connecting fails on our side (a password the server asks
 * for and the URL lacks): pg leaves that socket open until the server gives up, a minute later,
 * and the command waits for it.
 */
class ClosingClient extends pg.Client {
  constructor(config: pg.ClientConfig = {}) {
    super({ ...config, connectionTimeoutMillis: config.connectionTimeoutMillis ?? connectTimeoutMs(config.connectionString) })
  }

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

/** How long connecting may take before it is given up (libpq's `connect_timeout`, in seconds, when the URL sets it). */
const DEFAULT_CONNECT_TIMEOUT_S = 10

/**
 * Milliseconds a new connection may take to be established and accepted, from the URL's
 * `connect_timeout` (seconds, as libpq reads it; 0 waits for ever) or {@link DEFAULT_CONNECT_TIMEOUT_S}:
 * without a limit, a server that accepts the connection but never answers (a hung server, a
 * proxy whose backend is gone) leaves every command waiting in silence.
 */
function connectTimeoutMs(url: string | undefined): number {
  let seconds = DEFAULT_CONNECT_TIMEOUT_S
  // An unreadable URL is refused with its own message when connecting.
  const value = url === undefined ? null : (readPostgresUrl(url)?.searchParams.get('connect_timeout') ?? null)
  if (value !== null && /^\d+$/.test(value.trim())) seconds = Number(value.trim())
  return seconds * 1000
}

/**
 * Opens the PostgreSQL store at `url` (in `schema` when given, created when missing) and brings
 * its schema up to date (`onUpgrade`: told first when that upgrades a large store, see `migrateToLatest`).
 *
 * @throws AppError `bad_config` for a URL that cannot be read, a server that cannot be reached
 * or refuses, a search_path naming no schema, or a role that may not create the tables.
 */
export async function openPostgresStore(url: string, schema: string | undefined, onUpgrade?: (note: string) => void): Promise<Store> {
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
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && TLS_CERTIFICATE_ERRORS.has(code))
      throw new AppError(
        'bad_config',
        `Cannot connect to PostgreSQL (PULSE_DATABASE_URL): the server's TLS certificate could not be verified (${reason}). Name the CA certificate that signed it in the URL (sslrootcert=/path/to/ca.pem) and connect by a host name the certificate names, or use sslmode=no-verify to encrypt without checking the certificate (what sslmode=require means to psql).`,
        { cause: error },
      )
    if (reason === 'timeout expired' || /connection timeout/i.test(reason))
      throw new AppError(
        'bad_config',
        `Cannot connect to PostgreSQL (PULSE_DATABASE_URL): the server at ${serverAddress(url)} did not answer within ${connectTimeoutMs(url) / 1000} s. Check the host and port in the URL, that the server is up, and that nothing between here and it (a firewall, a proxy) holds the connection; a slow network can allow more with connect_timeout=SECONDS in the URL.`,
        { cause: error },
      )
    // pg's words when the server closes the connection before any answer: something listens
    // there, but not PostgreSQL (a wrong port, another service) or a proxy with no server behind it.
    if (reason === 'Connection terminated unexpectedly')
      throw new AppError(
        'bad_config',
        `Cannot connect to PostgreSQL (PULSE_DATABASE_URL): the server at ${serverAddress(url)} closed the connection without answering as PostgreSQL does. Check that the host and port in the URL are PostgreSQL's (5432 unless the server was set up otherwise) and not another service's, and that any proxy in between reaches a running server.`,
        { cause: error },
      )
    // 3D000 invalid_catalog_name: the database named in the URL's path does not exist.
    if (code === '3D000')
      throw new AppError(
        'bad_config',
        `Cannot connect to PostgreSQL (PULSE_DATABASE_URL): ${reason} on ${serverAddress(url)}. Create it (CREATE DATABASE ${(readPostgresUrl(url)?.pathname ?? '').slice(1) || 'pulse'}, as a role allowed to) or fix the database name at the end of the URL.`,
        { cause: error },
      )
    if (/does not support SSL/i.test(reason))
      throw new AppError(
        'bad_config',
        `Cannot connect to PostgreSQL (PULSE_DATABASE_URL): ${reason}. Remove sslmode (and any other ssl setting) from the URL, or turn on ssl in the server's configuration.`,
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
    // No schema of the search_path is usable: there is nowhere to create the tables. Either none
    // exists, or one exists that the role may not use (another role's, without USAGE granted).
    const named = searchPathSchemas(where.path)
    const unusable = await pool
      .query<{ name: string; owner: string }>(
        'SELECT nspname AS name, pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = ANY($1::text[])',
        [named],
      )
      .then((result) => result.rows[0])
      .catch(() => undefined)
    await pool.end()
    if (unusable !== undefined)
      throw new AppError(
        'bad_config',
        `PULSE_DATABASE_URL sets search_path to ${JSON.stringify(where.path)}, and the PostgreSQL role ${where.role} may not use schema ${unusable.name} (owned by ${unusable.owner}): as its owner, run GRANT USAGE ON SCHEMA ${unusable.name} TO ${where.role} (and GRANT CREATE ON SCHEMA ${unusable.name} TO ${where.role} if Sales Pulse's tables are not in it yet), or point search_path at a schema the role owns.`,
      )
    const wanted = where.path
      .split(',')
      .map((s) => s.trim())
      .find((s) => s !== '' && s !== '"$user"' && s !== '$user')
    throw new AppError(
      'bad_config',
      `PULSE_DATABASE_URL sets search_path to ${JSON.stringify(where.path)}, and no schema of it exists in that database: create it first (CREATE SCHEMA ${wanted ?? 'pulse'}) or remove search_path from the URL.`,
    )
  }
  const db = new Kysely<Database>({ dialect: new SchemaScopedPostgresDialect({ pool }, where.name) })
  // Kysely looks for its migration tables in every schema unless told which one: name ours.
  try {
    await migrateToLatest(db, where.name, onUpgrade)
  } catch (error) {
    await db.destroy()
    // 42501 insufficient_privilege: the role may not create the tables (PostgreSQL 15 and later
    // no longer let every role create in `public`).
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause
    // The tables exist but the role has no grant on them (USAGE on the schema alone).
    if (cause?.code === '42501' && /^permission denied for (table|sequence|relation) /.test(String(cause.message)))
      throw new AppError(
        'bad_config',
        `The PostgreSQL role ${where.role} may not read or write Sales Pulse's tables in schema ${where.name} (${String(cause.message)}): as their owner, run GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${where.name} TO ${where.role} and GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${where.name} TO ${where.role} (see docs/postgres.md).`,
        { cause: error },
      )
    if (cause?.code === '42501')
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
 * The schema names a `search_path` setting lists, in order, as the server reads them: a quoted
 * name as written, an unquoted one in lower case; `$user` left out.
 */
function searchPathSchemas(path: string): string[] {
  return path
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== '"$user"' && s !== '$user')
    .map((s) => (s.startsWith('"') && s.endsWith('"') && s.length >= 2 ? s.slice(1, -1).replaceAll('""', '"') : s.toLowerCase()))
}

/** Node's codes for a TLS certificate it could not verify (with sslmode=require, verify-ca or verify-full). */
const TLS_CERTIFICATE_ERRORS: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

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
  return readPostgresUrl(url)?.hasPassword ?? true
}

/** `host:port` of `url` (no user or password), for messages. */
function serverAddress(url: string): string {
  return readPostgresUrl(url)?.address ?? 'the URL'
}
