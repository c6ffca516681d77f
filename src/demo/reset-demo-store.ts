import { existsSync, rmSync } from 'node:fs'
import { basename } from 'node:path'
import { readStoreFileOrigins } from '../db/read-store-file-origins.js'
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
  try {
    const { tables, importedFiles, syncRuns } = readStoreFileOrigins(path)
    foreign =
      syncRuns > 0 ||
      importedFiles.some((f) => f === null || basename(f) !== DEMO_SAMPLE_FILE) ||
      (tables.size > 0 && !tables.has('import_runs'))
  } catch {
    foreign = true
  }
  if (foreign) {
    throw new AppError(
      'bad_input',
      `${path} holds data pulse demo did not write; nothing was changed. Give the demo a file of its own with --db (the default is ./data/demo.db).`,
    )
  }
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true })
}
