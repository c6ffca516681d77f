import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { openStore, type Store } from '../../src/db/open-store.js'
import { DATABASE_BUSY } from '../../src/errors.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { tempDir } from '../helpers/test-store.js'

const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,sales_cycle_days,outcome'

/** A CSV large enough for a bulk import (over 5 MB: at least 50,000 expected rows). */
function writeBigCsv(dir: string, rows = 80_000): string {
  const path = join(dir, 'big.csv')
  const lines = [HEADER]
  for (let i = 0; i < rows; i++) lines.push(`K${i},2024-01-02,2024-02-01,rep_${i % 7},SaaS,EMEA,Core,Inbound,Proposal,12000,30,Won`)
  writeFileSync(path, `${lines.join('\n')}\n`)
  return path
}

const journalMode = (path: string) => {
  const probe = new SqliteDatabase(path, { readonly: true })
  try {
    return probe.pragma('journal_mode', { simple: true })
  } finally {
    probe.close()
  }
}

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

describe('a first bulk import into an empty SQLite store', () => {
  it('writes through a rollback journal, then leaves the store in WAL mode with every row', async () => {
    const dir = tempDir()
    const db = join(dir, 'pulse.db')
    const csv = writeBigCsv(dir)
    store = await openStore({ path: db })
    let journalSeen = false
    const summary = await importCsvFile(store, {
      path: csv,
      stages: DEFAULT_STAGES,
      threads: 'inline',
      onProgress: () => {
        journalSeen ||= existsSync(`${db}-journal`)
      },
    })
    expect(summary.inserted).toBe(80_000)
    expect(journalSeen).toBe(true)
    expect(store.sqlite?.pragma('journal_mode', { simple: true })).toBe('wal')
    await store.close()
    store = undefined
    expect(journalMode(db)).toBe('wal')
    store = await openStore({ path: db })
    expect(
      (
        await store.db
          .selectFrom('deals')
          .select((e) => e.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ).toBe(80_000)
  })

  it('stays in WAL mode when another connection has the store open, so that reader keeps reading', async () => {
    const dir = tempDir()
    const db = join(dir, 'pulse.db')
    const csv = writeBigCsv(dir)
    store = await openStore({ path: db })
    const reader = new SqliteDatabase(db, { readonly: true })
    try {
      let journalSeen = false
      let readerCounts: number[] = []
      const summary = await importCsvFile(store, {
        path: csv,
        stages: DEFAULT_STAGES,
        threads: 'inline',
        onProgress: () => {
          journalSeen ||= existsSync(`${db}-journal`)
          readerCounts.push((reader.prepare('SELECT count(*) AS n FROM deals').get() as { n: number }).n)
        },
      })
      expect(summary.inserted).toBe(80_000)
      expect(journalSeen).toBe(false)
      // The reader saw the store as it was before the import, never a part of it.
      readerCounts = [...new Set(readerCounts)]
      expect(readerCounts).toEqual([0])
      expect((reader.prepare('SELECT count(*) AS n FROM deals').get() as { n: number }).n).toBe(80_000)
    } finally {
      reader.close()
    }
  })

  it('leaves the store empty and usable when the importing process is killed mid-file', async () => {
    const dir = tempDir()
    const db = join(dir, 'pulse.db')
    const csv = writeBigCsv(dir, 300_000)
    const script = `
      import { openStore } from './src/db/open-store.ts'
      import { importCsvFile } from './src/ingest/import-csv-file.ts'
      const store = await openStore({ path: ${JSON.stringify(db)} })
      await importCsvFile(store, { path: ${JSON.stringify(csv)}, stages: ['Demo'], threads: 'inline', onProgress: (n, total) => {
        if (n > total / 3) { process.stdout.write('mid\\n'); process.kill(process.pid, 'SIGKILL') }
      } })
      process.stdout.write('finished\\n')
    `
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd() })
    let output = ''
    child.stdout.on('data', (d) => {
      output += d
    })
    const signal = await new Promise((resolve) => child.on('exit', (_code, sig) => resolve(sig)))
    expect(signal).toBe('SIGKILL')
    expect(output).toContain('mid')
    expect(existsSync(`${db}-journal`)).toBe(true)

    store = await openStore({ path: db })
    expect(store.sqlite?.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(await store.db.selectFrom('deals').select('deal_id').execute()).toEqual([])
    expect(await store.db.selectFrom('import_runs').select('run_id').execute()).toEqual([])
    const summary = await importCsvFile(store, { path: writeBigCsv(dir, 60_000), stages: DEFAULT_STAGES, threads: 'inline' })
    expect(summary.inserted).toBe(60_000)
  }, 60_000)

  it('makes another process opening the store meanwhile wait, then say the store is busy', async () => {
    const dir = tempDir()
    const db = join(dir, 'pulse.db')
    await (await openStore({ path: db })).close()
    // What a first bulk import holds once its pages spill to the file: an exclusive lock in rollback mode.
    const writer = new SqliteDatabase(db)
    writer.pragma('journal_mode = DELETE')
    writer.exec('BEGIN EXCLUSIVE')
    try {
      const started = Date.now()
      await expect(openStore({ path: db })).rejects.toThrow(DATABASE_BUSY)
      expect(Date.now() - started).toBeGreaterThanOrEqual(4_000)
    } finally {
      writer.exec('ROLLBACK')
      writer.close()
    }
  }, 20_000)
})
