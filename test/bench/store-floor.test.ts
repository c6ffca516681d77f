import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { timePostgresStoreFloor } from '../../bench/time-postgres-store-floor.js'
import { timeSqliteStoreFloor } from '../../bench/time-sqlite-store-floor.js'
import { openStore, type Store, type StoreOptions } from '../../src/db/open-store.js'
import { DEFAULT_STAGES } from '../../src/domain/default-stages.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { writeSampleFiles } from '../../src/sample/write-sample-files.js'
import { dropTestSchema, durableStoreOptions, TEST_DIALECTS } from '../helpers/each-dialect.js'
import { tempDir } from '../helpers/test-store.js'

const sqliteShell = spawnSync('sh', ['-c', 'command -v sqlite3'], { encoding: 'utf8' })
const postgres = TEST_DIALECTS.find((d) => d.name === 'postgres')

/** A store holding 300 sample deals with their stage history, and its row counts. */
async function sampleStore(options: StoreOptions, dir: string): Promise<{ store: Store; deals: number; stays: number }> {
  const csv = join(dir, 'deals.csv')
  writeSampleFiles({ out: csv, deals: 300, seed: 'floor', asOf: '2025-06-30' })
  const store = await openStore(options)
  await importCsvFile(store, { path: csv, stages: DEFAULT_STAGES, threads: 'inline' })
  const count = async (table: 'deals' | 'stage_history') =>
    Number(
      (
        await store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
  return { store, deals: await count('deals'), stays: await count('stage_history') }
}

describe.runIf(sqliteShell.status === 0)('timeSqliteStoreFloor', () => {
  it("loads every row of the store's deals and stage history with sqlite3, and leaves nothing behind", async () => {
    const dir = tempDir()
    const db = join(dir, 'pulse.db')
    const { store, deals, stays } = await sampleStore({ path: db }, dir)
    await store.close()
    expect(stays).toBeGreaterThan(deals)
    const before = readdirSync(dir).sort()

    const floor = timeSqliteStoreFloor(sqliteShell.stdout.trim(), db, dir)

    expect(floor.rows).toEqual({ deals, stage_history: stays })
    expect(floor.seconds).toBeGreaterThan(0)
    expect(floor.leanSeconds).toBeGreaterThan(0)
    expect(readdirSync(dir).sort()).toEqual(before)
  })
})

describe.runIf(postgres !== undefined)('timePostgresStoreFloor', () => {
  it("copies every row of the store's deals and stage history, both ways, and drops what it made", async () => {
    const dialect = postgres as NonNullable<typeof postgres>
    const dir = tempDir()
    const options = durableStoreOptions(dialect, join(dir, 'unused.db'))
    const { store, deals, stays } = await sampleStore(options, dir)
    try {
      const schemas = async () =>
        (await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname LIKE 'bench_floor_%'`.execute(store.db)).rows[0]
          ?.n
      const before = await schemas()

      const floor = await timePostgresStoreFloor(options.url as string, options.schema as string, dir)

      expect(floor.rows).toBe(deals + stays)
      expect(floor.indexesKept).toBeGreaterThan(0)
      expect(floor.indexesAfter).toBeGreaterThan(0)
      expect(await schemas()).toBe(before)
      expect(readdirSync(dir).sort()).toEqual(['deals.csv', 'deals.roster.yml', 'deals.truth.csv'])
    } finally {
      await dropTestSchema(store.db, options.schema as string)
      await store.close()
    }
  })
})
