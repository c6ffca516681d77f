import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, rmSync } from 'node:fs'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom, to as copyTo } from 'pg-copy-streams'

/** The tables a deals import writes (the analytics rollup aside). */
const STORE_TABLES = ['deals', 'stage_history'] as const

/** What {@link timePostgresStoreFloor} measured, in seconds. */
export interface PostgresStoreFloor {
  /** `COPY` of the store's rows into empty tables with the store's keys and indexes in place. */
  indexesKept: number
  /** The same into bare tables, then the same keys and indexes built, in the same transaction. */
  indexesAfter: number
  /** Rows loaded (deals + stage history), the same as the store holds. */
  rows: number
}

/**
 * A floor under any importer of the same store: the time PostgreSQL's own `COPY` (the tool the
 * acceptance compares with) takes to write the rows a 1M import stores, `deals` and `stage_history`
 * of `storeSchema`, already parsed and checked, into empty tables like them, in one transaction,
 * streamed from files by this process as the raw `COPY` of the CSV is. Two ways: with the keys and
 * indexes in place, and with them built after the rows. The rows are first exported with
 * `COPY ... TO STDOUT`; exporting is not timed. No CSV checks, no derived fields, no analytics
 * rollup: what is left is writing the rows the store must hold.
 */
export async function timePostgresStoreFloor(url: string, storeSchema: string, workDir: string): Promise<PostgresStoreFloor> {
  const files = STORE_TABLES.map((table) => join(workDir, `store-floor-${table}.copy`))
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const schemas: string[] = []
  try {
    for (const [i, table] of STORE_TABLES.entries())
      await pipeline(client.query(copyTo(`COPY ${storeSchema}.${table} TO STDOUT`)), createWriteStream(files[i] as string))
    const stored = await countRows(client, storeSchema)
    const storedIndexes = await countIndexes(client, storeSchema)
    const load = async (schema: string, afterwards: string[]) => {
      const started = performance.now()
      await client.query('BEGIN')
      for (const [i, table] of STORE_TABLES.entries())
        await pipeline(createReadStream(files[i] as string), client.query(copyFrom(`COPY ${schema}.${table} FROM STDIN`)))
      for (const sql of afterwards) await client.query(sql)
      await client.query('COMMIT')
      const seconds = (performance.now() - started) / 1000
      const rows = await countRows(client, schema)
      if (rows !== stored) throw new Error(`the floor loaded ${rows} rows into ${schema}, the store holds ${stored}`)
      const indexes = await countIndexes(client, schema)
      if (indexes !== storedIndexes)
        throw new Error(`the floor's tables in ${schema} have ${indexes} indexes, the store's ${storedIndexes}`)
      return seconds
    }

    const kept = await createSchema(client, schemas)
    for (const table of STORE_TABLES) await client.query(`CREATE TABLE ${kept}.${table} (LIKE ${storeSchema}.${table} INCLUDING ALL)`)
    const indexesKept = await load(kept, [])

    const bare = await createSchema(client, schemas)
    for (const table of STORE_TABLES) await client.query(`CREATE TABLE ${bare}.${table} (LIKE ${storeSchema}.${table} INCLUDING DEFAULTS)`)
    const indexesAfter = await load(bare, await indexStatements(client, storeSchema, bare))
    return { indexesKept, indexesAfter, rows: stored }
  } finally {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await client.end()
    for (const file of files) rmSync(file, { force: true })
  }
}

async function createSchema(client: pg.Client, created: string[]): Promise<string> {
  const schema = `bench_floor_${randomBytes(5).toString('hex')}`
  await client.query(`CREATE SCHEMA ${schema}`)
  created.push(schema)
  return schema
}

async function countRows(client: pg.Client, schema: string): Promise<number> {
  let rows = 0
  for (const table of STORE_TABLES) rows += Number((await client.query(`SELECT count(*) AS n FROM ${schema}.${table}`)).rows[0].n)
  return rows
}

/** Indexes (primary keys included) on the store's tables in `schema`. */
async function countIndexes(client: pg.Client, schema: string): Promise<number> {
  const result = await client.query('SELECT count(*) AS n FROM pg_indexes WHERE schemaname = $1 AND tablename = ANY($2)', [
    schema,
    [...STORE_TABLES],
  ])
  return Number(result.rows[0].n)
}

/** The primary keys and indexes of the store's tables, as statements for the same tables in `target`. */
async function indexStatements(client: pg.Client, storeSchema: string, target: string): Promise<string[]> {
  const keys = await client.query<{ table: string; name: string; def: string }>(
    `SELECT c.conrelid::regclass::text AS table, c.conname AS name, pg_get_constraintdef(c.oid) AS def
     FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
     WHERE n.nspname = $1 AND c.contype = 'p' AND c.conrelid::regclass::text = ANY($2)`,
    [storeSchema, STORE_TABLES.map((t) => `${storeSchema}.${t}`)],
  )
  const indexes = await client.query<{ def: string }>(
    `SELECT indexdef AS def FROM pg_indexes
     WHERE schemaname = $1 AND tablename = ANY($2)
       AND indexname NOT IN (SELECT conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1)`,
    [storeSchema, [...STORE_TABLES]],
  )
  const onTarget = (text: string) => text.split(`${storeSchema}.`).join(`${target}.`)
  return [
    ...keys.rows.map((k) => `ALTER TABLE ${onTarget(k.table)} ADD CONSTRAINT ${k.name} ${k.def}`),
    ...indexes.rows.map((i) => onTarget(i.def)),
  ]
}
