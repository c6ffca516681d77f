import type { Command } from 'commander'
import { type Config, loadConfig } from '../config.js'
import { openStore, type Store } from '../db/open-store.js'
import { todayUtc } from '../domain/dates.js'
import { AppError } from '../errors.js'

/** Options every command takes (contract: "Command line"). */
export interface CommonOptions {
  db?: string
  asOf?: string
  json?: boolean
}

/** Where a command writes: stdout for results, stderr for progress and logs. */
export interface CliIo {
  out: (text: string) => void
  err: (text: string) => void
  /** True when stderr is a terminal (progress bars are drawn only then). */
  errIsTty: boolean
}

/** The process's streams as {@link CliIo}. */
export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  errIsTty: Boolean(process.stderr.isTTY),
}

/** Adds `--db PATH` to a command. */
export function withDbOption(cmd: Command): Command {
  return cmd.option('--db <path>', 'SQLite database file (default: PULSE_DB, else ./data/pulse.db)')
}

/** Adds `--as-of YYYY-MM-DD` and `--json` to a reporting command. */
export function withReportOptions(cmd: Command): Command {
  return withDbOption(cmd)
    .option('--as-of <date>', 'report as of this date, YYYY-MM-DD (default: PULSE_AS_OF, else today)')
    .option('--json', 'print machine-readable JSON on stdout and nothing else')
}

/** The configuration, read once per process. */
let cached: Config | undefined
export function cliConfig(): Config {
  cached ??= loadConfig()
  return cached
}

/**
 * The "as of" date for a command: `--as-of`, else `PULSE_AS_OF`, else today (UTC).
 * @throws AppError `bad_input` for a malformed date.
 */
export function resolveAsOf(options: CommonOptions, config: Config = cliConfig()): string {
  const value = options.asOf ?? config.asOf ?? todayUtc()
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new AppError('bad_input', `--as-of "${value}" is not a date; use YYYY-MM-DD, for example --as-of 2024-07-20.`)
  }
  return value
}

/**
 * Opens the store named by `--db` (else `PULSE_DB`, else `./data/pulse.db`), or PostgreSQL when
 * `PULSE_DATABASE_URL` is set (then `--db` does not apply), runs `fn`, and closes it whatever happens.
 */
export async function usingStore<T>(options: CommonOptions, fn: (store: Store, config: Config) => Promise<T>): Promise<T> {
  const config = cliConfig()
  const store = await openStore({ path: options.db ?? config.dbPath, url: config.databaseUrl })
  try {
    return await fn(store, config)
  } finally {
    await store.close()
  }
}

/** Prints `value` as JSON (with `--json`) or `text()` otherwise. */
export function emit(io: CliIo, options: CommonOptions, value: unknown, text: () => string): void {
  io.out(options.json ? JSON.stringify(value, null, 2) : text())
}
