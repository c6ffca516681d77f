import { existsSync, rmSync } from 'node:fs'
import { basename } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { AppError } from '../errors.js'

/** The name of the sample file `runDemo` writes and imports. */
export const DEMO_SAMPLE_FILE = 'sample-deals.csv'

/**
 * Removes the demo's SQLite file (and its WAL files) from an earlier `pulse demo`, so the next
 * run reports on the sample it writes and nothing else: an upsert would keep the deals of a
 * larger earlier sample. A file holding anything the demo did not write (another import, a CRM
 * sync) is left alone and refused.
 *
 * @throws AppError `bad_input` naming the file when it holds other data.
 */
export function resetDemoStore(path: string): void {
  if (!existsSync(path)) return
  let foreign: boolean
  let db: SqliteDatabase.Database | undefined
  try {
    db = new SqliteDatabase(path, { readonly: true, fileMustExist: true })
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[])
    const files = tables.has('import_runs') ? (db.prepare('SELECT file FROM import_runs').pluck().all() as Array<string | null>) : []
    const syncs = tables.has('sync_runs') ? Number(db.prepare('SELECT count(*) FROM sync_runs').pluck().get()) : 0
    foreign =
      syncs > 0 || files.some((f) => f === null || basename(f) !== DEMO_SAMPLE_FILE) || (tables.size > 0 && !tables.has('import_runs'))
  } catch {
    foreign = true
  } finally {
    db?.close()
  }
  if (foreign) {
    throw new AppError(
      'bad_input',
      `${path} holds data pulse demo did not write; nothing was changed. Give the demo a file of its own with --db (the default is ./data/demo.db).`,
    )
  }
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true })
}
