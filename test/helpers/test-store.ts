import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore, type Store } from '../../src/db/open-store.js'

/** A fresh in-memory store with the real migrations applied. */
export function openTestStore(): Promise<Store> {
  return openStore({ path: ':memory:' })
}

/** A new empty temporary folder. */
export function tempDir(prefix = 'pulse-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** Writes `text` into a new temporary file and returns its path. */
export function writeTempFile(name: string, text: string | Buffer): string {
  const path = join(tempDir(), name)
  writeFileSync(path, text)
  return path
}
