/**
 * The one error type the app throws on purpose. `code` says what kind of failure it is;
 * {@link userMessage} turns it into the sentence a person sees, with a next step.
 */
export type AppErrorCode =
  | 'bad_input'
  | 'bad_config'
  | 'bad_file'
  | 'missing_columns'
  | 'nothing_imported'
  | 'not_found'
  | 'not_allowed'
  | 'no_data'
  | 'no_model'
  | 'crm_auth'
  | 'crm_rate_limited'
  | 'crm_unavailable'
  | 'crm_bad_response'
  | 'slack_error'
  | 'busy'
  | 'internal'

/** An expected failure with a code and a message that already tells the user what to do. */
export class AppError extends Error {
  override readonly name = 'AppError'
  constructor(
    readonly code: AppErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

const FALLBACK: Record<AppErrorCode, string> = {
  bad_input: 'That input was not understood. Run the command with --help for usage.',
  bad_config: 'The configuration is incomplete. Check your .env against .env.example.',
  bad_file: 'That file could not be read. Check the path and that it is a UTF-8 CSV.',
  missing_columns: 'The file lacks required columns. Map them with --map column="Header".',
  nothing_imported: 'Nothing could be imported. Check the rejected rows listed above.',
  not_found: 'Nothing matched. Check the id or name and try again.',
  not_allowed: 'Sorry, you do not have access to that. Ask your Sales Pulse admin.',
  no_data: 'There is no data yet. Import a CSV (`pulse ingest --csv FILE`) or run `pulse sync`.',
  no_model: 'No model has been trained yet. Run `pulse train` first.',
  crm_auth: 'The CRM refused our credentials. Check the token in your configuration.',
  crm_rate_limited: 'The CRM is rate-limiting us. The sync will resume on its next run.',
  crm_unavailable: 'The CRM did not answer. The sync will resume on its next run.',
  crm_bad_response: 'The CRM sent a response we could not read. See the log for the endpoint.',
  slack_error: 'Slack refused the request. See the log for details.',
  busy: 'Sales Pulse is busy right now, so please try again in a minute.',
  internal: 'Something went wrong on our side. The details are in the log.',
}

/**
 * The sentence a user sees for any thrown value: an AppError's own message, or a generic
 * sentence for anything unexpected (whose details belong in the log, never in Slack).
 */
export function userMessage(error: unknown): string {
  if (error instanceof AppError) return error.message || FALLBACK[error.code]
  if (isDatabaseBusy(error)) return DATABASE_BUSY
  if (isDatabaseFull(error)) return DATABASE_FULL
  if (isDatabaseReadOnly(error)) return DATABASE_READ_ONLY
  if (isDatabaseDamaged(error)) return databaseDamaged((error as Error).message)
  if (isDatabaseUnreachable(error)) return DATABASE_UNREACHABLE
  if (isDatabaseNotAllowed(error))
    return `The PostgreSQL role in PULSE_DATABASE_URL lacks a privilege (${(error as Error).message}): ${DATABASE_GRANTS}`
  return FALLBACK.internal
}

/** The grants an app role needs on PostgreSQL (docs/postgres.md). */
export const DATABASE_GRANTS =
  "grant it SELECT, INSERT, UPDATE, DELETE on Sales Pulse's tables and USAGE on their schema and sequences (see docs/postgres.md)."

/** Whether `error` is PostgreSQL refusing a statement for want of a privilege (SQLSTATE 42501). */
export function isDatabaseNotAllowed(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === '42501' && 'severity' in error
}

/** What a person sees when SQLite stayed locked past its busy timeout. */
export const DATABASE_BUSY =
  'The database is busy: another Sales Pulse process (an import or a sync) is writing to it. Try again when it has finished.'

/** What an admin or the command line sees when PostgreSQL did not answer or dropped the connection. */
export const DATABASE_UNREACHABLE =
  'The database did not answer or dropped the connection (PostgreSQL restarting, or unreachable): Sales Pulse reconnects by itself once it is back. If this lasts, check that the server in PULSE_DATABASE_URL is up and reachable from here.'

/** PostgreSQL's codes for a connection it ended (admin_shutdown, crash_shutdown, cannot_connect_now) and Node's for one that failed. */
const CONNECTION_LOST_CODES: ReadonlySet<string> = new Set([
  '57P01',
  '57P02',
  '57P03',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
])

/**
 * Whether `error` is a database connection that failed or was cut (a PostgreSQL server
 * restarting, failing over or out of reach), as pg reports it.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && CONNECTION_LOST_CODES.has(code)) return true
  return /^Connection terminated( unexpectedly| due to connection timeout)?$|^timeout expired$/.test(error.message)
}

/** What a person sees when SQLite could not write for want of disk space (`SQLITE_FULL`). */
export const DATABASE_FULL =
  'The disk that holds the database is full, so nothing of this change was saved: free some space on it (or move PULSE_DB to a larger disk) and run it again.'

/** Whether `error` is SQLite failing a write because the disk is full (`SQLITE_FULL`). */
export function isDatabaseFull(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'SQLITE_FULL'
}

/** What a person sees when SQLite may read the database but not write it (`SQLITE_READONLY`). */
export const DATABASE_READ_ONLY =
  'The database file is read-only for this user, so nothing of this change was saved: make it and its folder writable (or run as their owner), or point --db or PULSE_DB at a writable copy. Reports still read it as it is.'

/**
 * Whether `error` is SQLite refusing a write to a database it opened read-only: a file without
 * write permission (SQLite then opens it read-only, and reports read it), or any other
 * `SQLITE_READONLY*` code.
 */
export function isDatabaseReadOnly(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && code.startsWith('SQLITE_READONLY')
}

/**
 * What a person sees when SQLite finds the database file damaged (`SQLITE_CORRUPT`, or a file
 * whose header is not SQLite's: `SQLITE_NOTADB`), with SQLite's own words and what to do.
 * `path` names the file when it is known.
 */
export function databaseDamaged(sqliteSays: string, path?: string): string {
  const file = path === undefined ? 'The database file' : `The database file ${path}`
  return `${file} is damaged (SQLite: ${sqliteSays}), so Sales Pulse stopped: its data cannot be trusted. Restore it from a backup taken before the damage (delete the -wal and -shm files beside it first), or move it aside and rebuild the store: import your CSV again (pulse ingest --csv FILE) or run pulse sync into a new --db or PULSE_DB file. \`sqlite3 FILE .recover\` can save what is still readable.`
}

/** Whether `error` is SQLite finding the database file damaged (`SQLITE_CORRUPT*`, `SQLITE_NOTADB`). */
export function isDatabaseDamaged(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
}

/** Whether `error` is SQLite giving up on a lock another connection holds (`SQLITE_BUSY`). */
export function isDatabaseBusy(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'SQLITE_BUSY'
}
