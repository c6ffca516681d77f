import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { spawnPulse } from '../helpers/pulse-process.js'
import { tempDir } from '../helpers/test-store.js'

const pgUrl = process.env.PULSE_TEST_DATABASE_URL

/** Runs `pulse ARGS` in a child process with `env` added; resolves once it has exited. */
async function pulse(args: string[], env: Record<string, string>) {
  const run = spawnPulse(args, env)
  const code = await run.exited
  return { code, stdout: run.stdout, stderr: run.stderr }
}

describe.runIf(pgUrl)('PULSE_DATABASE_URL and --db', () => {
  it('says that --db does not apply, naming the server without credentials', async () => {
    const withPassword = (pgUrl as string).replace('postgres://postgres@', 'postgres://postgres:s3cret-pw@')
    const db = join(tempDir(), 'ignored.db')
    const run = await pulse(['status', '--db', db, '--json'], { PULSE_DATABASE_URL: withPassword })
    expect(run.stderr).toContain(`--db ${db} does not apply: PULSE_DATABASE_URL is set, so this uses PostgreSQL at`)
    expect(run.stderr).not.toContain('s3cret-pw')
    expect(existsSync(db)).toBe(false)
  }, 60_000)

  it('connects with a URL that names the host in its query (postgres://USER:PASSWORD@/DB?host=...), as libpq and Cloud SQL write it', async () => {
    const u = new URL(pgUrl as string)
    const hostInQuery = `postgres://${u.username}:s3cret-pw@${u.pathname}?host=${u.hostname}&port=${u.port || '5432'}`
    const db = join(tempDir(), 'ignored.db')
    const run = await pulse(['status', '--db', db], { PULSE_DATABASE_URL: hostInQuery })
    expect(run.stderr).not.toContain('Configuration problem')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Data: ')
    expect(run.stderr).toContain(`so this uses PostgreSQL at ${u.hostname}:${u.port || '5432'}${u.pathname}.`)
    expect(`${run.stdout}${run.stderr}`).not.toContain('s3cret-pw')
    expect(existsSync(db)).toBe(false)
  }, 60_000)

  it('on a database with no deals yet, says how to import without the --db that does not apply', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`
    const admin = new pg.Client({ connectionString: pgUrl as string })
    await admin.connect()
    try {
      await admin.query(`CREATE SCHEMA ${schema}`)
      const inSchema = new URL(pgUrl as string)
      inSchema.searchParams.set('options', `-c search_path=${schema}`)
      const db = join(tempDir(), 'ignored.db')
      const run = await pulse(['report', 'winrate', '--db', db], { PULSE_DATABASE_URL: inSchema.toString() })
      expect(run.code).toBe(1)
      expect(run.stderr).toContain(
        'There are no deals in this database yet. Import a CSV first: pulse ingest --csv FILE (or pulse sample to try it out).',
      )
      expect(run.stderr).not.toContain(`--csv FILE --db`)
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await admin.end()
    }
  }, 60_000)

  it('keeps pulse demo in its own SQLite file', async () => {
    const dir = tempDir()
    const db = join(dir, 'demo.db')
    const run = await pulse(['demo', '--db', db, '--out', join(dir, 'out'), '--deals', '600', '--json'], {
      PULSE_DATABASE_URL: pgUrl as string,
    })
    expect(run.code).toBe(0)
    expect(existsSync(db)).toBe(true)
    expect(run.stderr).not.toContain('does not apply')
  }, 120_000)
})
