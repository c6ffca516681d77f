import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openStore } from '../../src/db/open-store.js'
import { AppError, userMessage } from '../../src/errors.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

// A real full disk: a 2 MiB tmpfs, which only root may mount (the test is skipped elsewhere).
const disk = mkdtempSync(join(tmpdir(), 'pulse-full-disk-'))
const mounted = (() => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', disk], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

afterAll(() => {
  if (mounted) execFileSync('umount', [disk])
  rmSync(disk, { recursive: true, force: true })
})

/** Fills what is left of the tmpfs. */
function fillDisk(): void {
  let i = 0
  try {
    for (;;) writeFileSync(join(disk, `fill-${i++}`), Buffer.alloc(64 * 1024))
  } catch {
    // ENOSPC: full
  }
  try {
    for (;;) writeFileSync(join(disk, `fill-${i++}`), Buffer.alloc(512))
  } catch {
    // ENOSPC: full to the last block
  }
}

const FULL = 'the disk that holds it is full'

beforeAll(async () => {
  if (!mounted) return
  // A store with deals copied whole onto the small disk while it had room, as a closed store lies there.
  const dir = tempDir()
  const csv = join(dir, 'deals.csv')
  expect((await runCli('sample', '--out', csv, '--deals', '200', '--seed', '5')).code).toBe(0)
  expect((await runCli('ingest', '--csv', csv, '--db', join(dir, 'pulse.db'))).code).toBe(0)
  const source = new SqliteDatabase(join(dir, 'pulse.db'), { readonly: true })
  source.prepare('VACUUM INTO ?').run(join(disk, 'pulse.db'))
  source.close()
  fillDisk()
})

it.skipIf(!mounted)(
  'a report on a store whose disk is full says the disk is full and to free space, not a disk I/O error or to check the path',
  async () => {
    const run = await runCli('report', 'losses', '--db', join(disk, 'pulse.db'))
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`Cannot open the database at ${join(disk, 'pulse.db')}: ${FULL}`)
    expect(run.stderr).toContain('Free some space on that disk (or move PULSE_DB to a larger one)')
    expect(run.stderr).not.toContain('Check the path')
  },
)

it.skipIf(!mounted)('a new database on a full disk says the disk is full, not to check the path', async () => {
  const error = await openStore({ path: join(disk, 'new.db') }).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(AppError)
  expect(userMessage(error)).toContain(FULL)
  expect(userMessage(error)).not.toContain('Check the path')
})
