import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore } from '../../src/db/open-store.js'
import { AppError, userMessage } from '../../src/errors.js'

const url = process.env.PULSE_TEST_DATABASE_URL

/**
 * Another client of the same database (a data team's jobs in a shared warehouse) creating and
 * dropping tables and schemas in a tight loop until stopped.
 */
function churnCatalog(base: string): { stop(): Promise<void> } {
  let stopped = false
  const tag = randomBytes(4).toString('hex')
  const loops = [0, 1].map(async (k) => {
    const client = new pg.Client({ connectionString: base })
    await client.connect()
    try {
      for (let i = 0; !stopped; i++) {
        const name = `churn_${tag}_${k}_${i}`
        if (k === 0) {
          await client.query(`CREATE SCHEMA ${name}; CREATE TABLE ${name}.t (a int, b text, c serial)`)
          await client.query(`DROP SCHEMA ${name} CASCADE`)
        } else {
          await client.query(`CREATE TABLE public.${name} (a int, b text, c serial)`)
          await client.query(`DROP TABLE public.${name}`)
        }
      }
    } finally {
      await client.end()
    }
  })
  return {
    async stop() {
      stopped = true
      await Promise.all(loops)
    },
  }
}

describe.skipIf(!url)('opening a PostgreSQL store while other clients drop tables and schemas', () => {
  const schemas: string[] = []
  afterEach(async () => {
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    try {
      for (const schema of schemas.splice(0)) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    } finally {
      await admin.end()
    }
  })
  const fresh = () => {
    const schema = `t_${randomBytes(6).toString('hex')}`
    schemas.push(schema)
    return schema
  }

  it('creates new stores and reopens an existing one without failing on the others’ drops', async () => {
    const existing = fresh()
    await (await openStore({ path: '', url, schema: existing })).close()
    const churn = churnCatalog(url as string)
    const failures: string[] = []
    try {
      for (let i = 0; i < 4; i++) {
        for (const schema of [fresh(), existing]) {
          try {
            const store = await openStore({ path: '', url, schema })
            await store.db.selectFrom('deals').select('deal_id').execute()
            await store.close()
          } catch (error) {
            failures.push(userMessage(error))
          }
        }
      }
    } finally {
      await churn.stop()
    }
    expect(failures).toEqual([])
  })

  it('still applies a migration the store lacks, and still names one it does not know', async () => {
    const schema = fresh()
    const store = await openStore({ path: '', url, schema })
    // The newest migrations: ones an older version of the store never ran.
    await sql`DROP TABLE crm_full_sync_seen`.execute(store.db)
    await sql`DELETE FROM kysely_migration WHERE name >= '0013'`.execute(store.db)
    await store.close()
    const reopened = await openStore({ path: '', url, schema })
    expect(await reopened.db.selectFrom('crm_full_sync_seen').selectAll().execute()).toEqual([])
    await sql`INSERT INTO kysely_migration (name, timestamp) VALUES ('9999-from-a-newer-version', 'now')`.execute(reopened.db)
    await reopened.close()
    const error = await openStore({ path: '', url, schema }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AppError)
    expect(userMessage(error)).toContain('its migration 9999-from-a-newer-version is unknown to this version')
  })
})
