import { existsSync } from 'node:fs'
import { type Config, loadConfig, todayOf, unknownDotenvSettings, unreadDotenvLines } from '../config.js'
import type { Store } from '../db/open-store.js'
import { crmName } from '../domain/crm-name.js'
import { calendarDayProblem } from '../domain/dates.js'
import { readPostgresUrl } from '../domain/read-postgres-url.js'
import { AppError } from '../errors.js'
import { type CliIo, type CommonOptions, processIo } from './cli-options.js'
import { shellArg } from './shell-arg.js'

/**
 * ` --db PATH` (shell-quoted) when the command was given `--db` and reads SQLite, else empty: what
 * a command the CLI tells the user to run next needs, so that it reads the same database.
 * @example dbOptionOf({ db: 'my deals.db' }, config) // " --db 'my deals.db'"
 */
export function dbOptionOf(options: CommonOptions, config: Pick<Config, 'databaseUrl'>): string {
  return options.db !== undefined && config.databaseUrl === undefined ? ` --db ${shellArg(options.db)}` : ''
}

let cached: Config | undefined

/**
 * The configuration, read once per process. A name in `.env` that looks like a setting but is
 * none (a typo, which would otherwise leave the default in force unnoticed), and a line of it that
 * sets nothing (`PULSE_IDLE_DAYS 7`), are said on stderr.
 */
export function cliConfig(io: CliIo = processIo): Config {
  if (cached === undefined) {
    cached = loadConfig()
    for (const { name, closest } of unknownDotenvSettings()) {
      io.err(`.env sets ${name}, which Sales Pulse does not read${closest ? ` (did you mean ${closest}?)` : ''}; it is ignored.`)
    }
    const unread = unreadDotenvLines()
    if (unread.length > 0) {
      io.err(
        `.env ${unread.length > 1 ? 'lines' : 'line'} ${unread.join(', ')} ${unread.length > 1 ? 'set' : 'sets'} nothing and ${unread.length > 1 ? 'are' : 'is'} ignored: write each setting as NAME=value (a comment starts with #).`,
      )
    }
  }
  return cached
}

/**
 * The "as of" date for a command: `--as-of`, else `PULSE_AS_OF`, else today in `PULSE_TZ` (default UTC).
 * @throws AppError `bad_input` for a malformed date.
 */
export function resolveAsOf(options: CommonOptions, config: Config = cliConfig()): string {
  const fromEnv = options.asOf === undefined && config.asOf !== undefined
  const value = options.asOf ?? todayOf(config)
  // Impossible days (2024-02-30), which Date.parse rolls over into the next month, are refused with why.
  const problem = calendarDayProblem(value)
  if (problem !== null) {
    const example = fromEnv ? 'PULSE_AS_OF=2024-07-20' : '--as-of 2024-07-20'
    throw new AppError('bad_input', `${fromEnv ? 'PULSE_AS_OF' : '--as-of'} "${value}" ${problem}; use YYYY-MM-DD, for example ${example}.`)
  }
  return value
}

/**
 * Says on stderr when `asOf` is after today (`PULSE_AS_OF`, else today in `PULSE_TZ`): a report
 * that far ahead counts the deals as they are now, days idle and all, as if nothing changed until
 * then, which a mistyped year would otherwise show as fact.
 * @example noteFutureAsOf(io, '2030-01-01', config) // "--as-of 2030-01-01 is after today (2026-11-27): ..."
 */
export function noteFutureAsOf(io: CliIo, asOf: string, config: Config): void {
  const today = todayOf(config)
  if (asOf > today)
    io.err(
      `--as-of ${asOf} is after today (${today}): the deals are counted as they are now, as if nothing changed until then. Leave --as-of out for today.`,
    )
}

/** Options of {@link usingStore}. */
export interface UsingStoreOptions {
  /** Commands that only read: a SQLite file that does not exist is not created. */
  existing?: boolean
  /** Where the note that `--db` does not apply goes (stderr by default). */
  io?: CliIo
  /** Always the SQLite file of `--db`, even with `PULSE_DATABASE_URL` set (the demo's own data). */
  sqliteOnly?: boolean
  /** Commands about deals (reports, train, score, deal): a store holding none is refused with how to import. */
  needsDeals?: boolean
}

/** How long a command waits for a store another process holds (a first large import) before giving up. */
const BUSY_WAIT_MS = 120_000

/**
 * Opens the store named by `--db` (else `PULSE_DB`, else `./data/pulse.db`), or PostgreSQL when
 * `PULSE_DATABASE_URL` is set (then `--db` does not apply, and a `--db` given is said to be
 * ignored, naming the server without its password), runs `fn`, and closes it whatever happens.
 * With `existing`, a SQLite file that does not exist is not created: the command stops with
 * AppError `no_data` naming the path it looked at. A SQLite file another process holds to itself
 * (a first large import) is waited for, up to two minutes, with a note on stderr. With
 * `needsDeals`, a store holding no deal stops the command with AppError `no_data` saying how to import.
 */
export async function usingStore<T>(
  options: CommonOptions,
  fn: (store: Store, config: Config) => Promise<T>,
  { existing = false, io = processIo, sqliteOnly = false, needsDeals = false }: UsingStoreOptions = {},
): Promise<T> {
  const config = cliConfig()
  const path = options.db ?? config.dbPath
  const url = sqliteOnly ? undefined : config.databaseUrl
  noteDbIgnored(options, url, io)
  if (existing && url === undefined && path !== ':memory:' && !existsSync(path)) {
    throw new AppError(
      'no_data',
      `There is no Sales Pulse database at ${path}. Import deals first (pulse ingest --csv FILE${options.db ? ` --db ${shellArg(path)}` : ''}), or point --db or PULSE_DB at your database.`,
    )
  }
  // A first large import, or another process upgrading the store's tables, holds a SQLite file to
  // itself until it commits: wait for it, saying so.
  // The store's modules (Kysely, the driver) load here: a command that never opens it (pulse sample) starts without them.
  const [{ openStore }, { retryWhileBusy }, { hasAnyDeal }, { findRecentSyncRuns }] = await Promise.all([
    import('../db/open-store.js'),
    import('../db/retry-while-busy.js'),
    import('../db/has-any-deal.js'),
    import('../db/begin-sync-run.js'),
  ])
  const store = await retryWhileBusy(
    () => openStore({ path, url, onUpgrade: (note) => io.err(note) }),
    BUSY_WAIT_MS,
    () =>
      io.err(
        'The database is busy: another process has it to itself (a first large import, or an upgrade of its tables) until it finishes. Waiting for it (up to 2 minutes; Ctrl-C stops)…',
      ),
  )
  try {
    if (needsDeals && !(await hasAnyDeal(store.db))) {
      const db = dbOptionOf(options, { databaseUrl: url })
      // A CRM sync that found nothing is no reason to import a CSV: say what the sync saw.
      const synced = (await findRecentSyncRuns(store.db)).find((r) => r.status === 'done' && r.source !== 'csv')
      if (synced) {
        const crm = crmName(synced.source)
        const at = `${(synced.finished_at ?? synced.started_at).slice(0, 16).replace('T', ' ')} UTC`
        throw new AppError(
          'no_data',
          `There are no deals in this database yet: the last sync from ${crm} (${at}) found none it could store. Check that the ${crm} account holds deals the app can read${synced.source === 'hubspot' ? ' (and HUBSPOT_PIPELINE, if set)' : ''}, then run pulse sync${db} again.`,
        )
      }
      throw new AppError(
        'no_data',
        `There are no deals in this database yet. Import a CSV first: pulse ingest --csv FILE${db} (or pulse sample to try it out).`,
      )
    }
    return await fn(store, config)
  } finally {
    await store.close()
  }
}

/**
 * Says on stderr that `--db` does not apply when `url` (`PULSE_DATABASE_URL`) is set, naming the
 * server without its user or password.
 */
export function noteDbIgnored(options: CommonOptions, url: string | undefined, io: CliIo): void {
  if (url !== undefined && options.db !== undefined) {
    io.err(`--db ${options.db} does not apply: PULSE_DATABASE_URL is set, so this uses PostgreSQL at ${serverName(url)}.`)
  }
}

/** `host:port/database` of a PostgreSQL URL, never its user or password. */
function serverName(url: string): string {
  const parts = readPostgresUrl(url)
  return parts === undefined ? 'the configured server' : `${parts.address}${parts.pathname}`
}

/** Prints `value` as JSON (with `--json`) or `text()` otherwise. */
export function emit(io: CliIo, options: CommonOptions, value: unknown, text: () => string): void {
  io.out(options.json ? JSON.stringify(value, null, 2) : text())
}
