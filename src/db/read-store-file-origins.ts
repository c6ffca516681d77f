import SqliteDatabase from 'better-sqlite3'

/** What wrote a SQLite store file: its tables, the files imported into it and its CRM syncs. */
export interface StoreFileOrigins {
  /** Names of the file's tables (empty for a file no migration has run on). */
  tables: Set<string>
  /** `import_runs.file` of every import (null where the run kept no file name). */
  importedFiles: Array<string | null>
  /** How many CRM syncs ran on the file (`sync_runs`). */
  syncRuns: number
}

/**
 * Reads, without writing or migrating, what wrote the SQLite store file at `path`.
 *
 * @throws when the file cannot be opened read-only as a SQLite database.
 */
export function readStoreFileOrigins(path: string): StoreFileOrigins {
  const db = new SqliteDatabase(path, { readonly: true, fileMustExist: true })
  try {
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[])
    const importedFiles = tables.has('import_runs')
      ? (db.prepare('SELECT file FROM import_runs').pluck().all() as Array<string | null>)
      : []
    const syncRuns = tables.has('sync_runs') ? Number(db.prepare('SELECT count(*) FROM sync_runs').pluck().get()) : 0
    return { tables, importedFiles, syncRuns }
  } finally {
    db.close()
  }
}
