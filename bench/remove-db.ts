import { rmSync } from 'node:fs'

/** Removes a SQLite database and its WAL and journal files (those absent are skipped). */
export function removeDb(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true })
}
