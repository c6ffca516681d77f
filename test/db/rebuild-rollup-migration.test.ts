import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { expect, it } from 'vitest'
import { writeSampleFiles } from '../../src/sample/write-sample-files.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

const AS_OF = '2024-07-20'

it('after an upgrade, reports count the deals instead of an empty rollup an earlier release stored, and the next import rebuilds it', async () => {
  const dir = tempDir()
  const csv = join(dir, 'deals.csv')
  writeSampleFiles({ out: csv, seed: 3, asOf: AS_OF, deals: 600 })
  const db = join(dir, 'pulse.db')
  expect((await runCli('ingest', '--csv', csv, '--db', db)).code).toBe(0)
  const raw = new SqliteDatabase(db)
  const lost = raw.prepare(`SELECT count(*) FROM deals WHERE outcome = 'lost'`).pluck().get() as number
  // The store as the release before migration 0006 left a first import: its rollup marked current, but empty.
  raw.exec(`DELETE FROM analytics_rollup; DELETE FROM kysely_migration WHERE name >= '0010'`)
  raw.close()

  const losses = JSON.parse((await runCli('report', 'losses', '--db', db, '--as-of', AS_OF, '--json')).stdout)
  expect(lost).toBeGreaterThan(0)
  expect(losses.totalLost).toBe(lost)
  const emea = JSON.parse((await runCli('report', 'winrate', '--db', db, '--as-of', AS_OF, '--json', '--where', 'region=EMEA')).stdout)
  expect(emea.months.some((m: { lost: number }) => m.lost > 0)).toBe(true)

  // A re-import builds the rollup again, with the same figures.
  expect((await runCli('ingest', '--csv', csv, '--db', db)).code).toBe(0)
  const check = new SqliteDatabase(db, { readonly: true })
  expect(check.prepare('SELECT count(*) FROM analytics_rollup').pluck().get()).toBeGreaterThan(0)
  check.close()
  expect(JSON.parse((await runCli('report', 'losses', '--db', db, '--as-of', AS_OF, '--json')).stdout)).toEqual(losses)
})
