import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:net'
import { TLSSocket } from 'node:tls'
import { sql } from 'kysely'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore, type Store } from '../../src/db/open-store.js'
import { AppError, userMessage } from '../../src/errors.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { writeTempFile } from '../helpers/test-store.js'

const url = process.env.PULSE_TEST_DATABASE_URL

/** `url` with `search_path` set to `schema` the way the docs tell users to (`?options=-c ...`). */
function urlWithSearchPath(base: string, schema: string): string {
  const u = new URL(base)
  u.searchParams.set('options', `-c search_path=${schema}`)
  return u.toString()
}

/** Ends the server side of one backend, as a restarted server or a killed connection would. */
async function terminateBackend(base: string, pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: base })
  await admin.connect()
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid])
  } finally {
    await admin.end()
  }
}

function dealsCsv(rows: number, prefix: string): string {
  const lines = ['deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome']
  for (let i = 0; i < rows; i++) {
    const won = i % 3 === 0
    lines.push(
      `${prefix}${i},2024-01-0${(i % 9) + 1},${won ? '2024-02-01' : ''},rep_${i % 7},SaaS,EMEA,Pro,Inbound,${won ? 'Closed' : 'Demo'},${1000 + i},${won ? 'Won' : 'Open'}`,
    )
  }
  return `${lines.join('\n')}\n`
}

/**
 * A server that answers a PostgreSQL start-up as a server with password (SCRAM) authentication
 * does: AuthenticationSASL, then, after the client's first message, AuthenticationSASLContinue.
 */
async function scramOnlyServer(): Promise<{ server: Server; port: number; open: Set<unknown> }> {
  const open = new Set<unknown>()
  const message = (code: number, body: Buffer) => {
    const head = Buffer.alloc(9)
    head.write('R', 0)
    head.writeInt32BE(8 + body.length, 1)
    head.writeInt32BE(code, 5)
    return Buffer.concat([head, body])
  }
  const server = createServer((socket) => {
    let seen = 0
    open.add(socket)
    socket.on('close', () => open.delete(socket))
    socket.on('data', () => {
      seen++
      if (seen === 1) socket.write(message(10, Buffer.from('SCRAM-SHA-256\0\0')))
      else if (seen === 2) socket.write(message(11, Buffer.from('r=abcdefghijklmnop,s=c2FsdHNhbHQ=,i=4096')))
    })
    socket.on('error', () => undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as { port: number }).port, open }
}

// A key and self-signed certificate for localhost that exist only for the TLS fake below.
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgfp2G1UXIehfprLlW
hOhtHEA9HWWP3Ryq7fmKafakh7KhRANCAATqPi/MAKgq/P+8MRxKou0hZhOwruGT
I7Yrr7rWysn+/MwU36A0aTR0xRYLSQiJw/G8gEANRSl12/WgwBADkh9g
-----END PRIVATE KEY-----`
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBfjCCASWgAwIBAgIUUzWV9Rr5aNeCX/OBWRmknOhKblUwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNjE2NDAwOVoYDzIxMjYxMTAy
MTY0MDA5WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAATqPi/MAKgq/P+8MRxKou0hZhOwruGTI7Yrr7rWysn+/MwU36A0aTR0
xRYLSQiJw/G8gEANRSl12/WgwBADkh9go1MwUTAdBgNVHQ4EFgQUuN0N9A3nMKis
o9+5SAQyYzaU8PcwHwYDVR0jBBgwFoAUuN0N9A3nMKiso9+5SAQyYzaU8PcwDwYD
VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiBmaYfQ5kyH7xcuwdcY0see
lNZEAmeSXP21CC62Bc9YawIgFHgQCh7oHbBUoTTXeH8UadZWhHrazxDh6HoMIftm
ruw=
-----END CERTIFICATE-----`

/**
 * A server that answers a PostgreSQL client's SSLRequest: with 'N' (no SSL on this server), or
 * with 'S' and a TLS handshake presenting a self-signed certificate.
 */
async function sslServer(answer: 'N' | 'S'): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined)
    socket.once('data', () => {
      socket.write(answer)
      if (answer === 'S') new TLSSocket(socket, { isServer: true, key: TEST_KEY, cert: TEST_CERT }).on('error', () => undefined)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as { port: number }).port }
}

describe('PostgreSQL start-up messages', () => {
  it('a password with an unencoded @ or # is refused before connecting, with how to encode it and no part of it', async () => {
    for (const bad of ['postgres://pulse:p@ss#w0rd@127.0.0.1:1/pulse', 'postgres://pulse:s3cr#t@127.0.0.1:1/pulse']) {
      const error = await openStore({ path: '', url: bad }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(AppError)
      expect((error as AppError).code).toBe('bad_config')
      expect((error as AppError).message).toContain('percent-encoded')
      expect((error as AppError).message).not.toMatch(/w0rd|ss#|cr#t|ENOTFOUND|ECONNREFUSED/)
    }
  })

  it('a URL without a password for a server that asks for one says so, without a SASL error', async () => {
    const { server, port, open } = await scramOnlyServer()
    try {
      const error = await openStore({ path: '', url: `postgres://pulse@127.0.0.1:${port}/pulse` }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(AppError)
      expect((error as AppError).message).toMatch(/asks for a password/)
      expect((error as AppError).message).toContain('postgres://USER:PASSWORD@')
      expect((error as AppError).message).not.toMatch(/SASL/)
      // The socket is closed at once (pg alone leaves it to the server's authentication timeout).
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(open.size).toBe(0)
    } finally {
      server.close()
    }
  })
  it('a server that accepts the connection but never answers is given up after connect_timeout, naming host and port but not the password', async () => {
    const sockets = new Set<import('node:net').Socket>()
    const server = createServer((socket) => {
      sockets.add(socket)
      socket.on('error', () => undefined)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    try {
      const started = Date.now()
      const error = await openStore({ path: '', url: `postgres://pulse:hunter2secret@127.0.0.1:${port}/pulse?connect_timeout=1` }).catch(
        (e: unknown) => e,
      )
      expect(Date.now() - started).toBeLessThan(5000)
      expect(error).toBeInstanceOf(AppError)
      const message = userMessage(error)
      expect(message).toContain(`127.0.0.1:${port} did not answer within 1 s`)
      expect(message).toContain('connect_timeout=SECONDS')
      expect(message).not.toContain('hunter2secret')
    } finally {
      for (const socket of sockets) socket.destroy()
      server.close()
    }
  })
  it('a server that closes the connection without answering (another service on that port) is named with host and port, without the password', async () => {
    const server = createServer((socket) => {
      socket.on('error', () => undefined)
      // What an HTTP server does with bytes it cannot read as a request.
      socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    try {
      const error = await openStore({ path: '', url: `postgres://pulse:hunter2secret@127.0.0.1:${port}/pulse` }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(AppError)
      const message = userMessage(error)
      expect(message).toContain(`the server at 127.0.0.1:${port} closed the connection without answering as PostgreSQL does`)
      expect(message).toContain('PULSE_DATABASE_URL')
      expect(message).not.toContain('Connection terminated')
      expect(message).not.toContain('hunter2secret')
    } finally {
      server.close()
    }
  })
  it('a server certificate that cannot be verified names the fix (sslrootcert or sslmode=no-verify), without the password', async () => {
    const { server, port } = await sslServer('S')
    try {
      for (const mode of ['require', 'verify-full']) {
        const error = await openStore({ path: '', url: `postgres://pulse:s3cretpw@localhost:${port}/pulse?sslmode=${mode}` }).catch(
          (e: unknown) => e,
        )
        expect(error).toBeInstanceOf(AppError)
        expect((error as AppError).message).toMatch(/TLS certificate could not be verified/)
        expect((error as AppError).message).toContain('sslrootcert=')
        expect((error as AppError).message).toContain('sslmode=no-verify')
        expect((error as AppError).message).not.toContain('s3cretpw')
      }
    } finally {
      server.close()
    }
  })

  it('sslmode for a server without SSL says to remove it from the URL', async () => {
    const { server, port } = await sslServer('N')
    try {
      const error = await openStore({ path: '', url: `postgres://pulse:s3cretpw@127.0.0.1:${port}/pulse?sslmode=require` }).catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(AppError)
      expect((error as AppError).message).toMatch(/does not support SSL.*Remove sslmode/)
      expect((error as AppError).message).not.toContain('s3cretpw')
    } finally {
      server.close()
    }
  })
})

describe.runIf(url)('PostgreSQL connection failures [postgres]', () => {
  const base = url as string
  const opened: Array<{ store: Store; schema: string }> = []
  afterEach(async () => {
    for (const { store, schema } of opened.splice(0)) {
      await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(store.db).catch(() => undefined)
      await store.close()
    }
  })
  async function openInSchema(): Promise<Store> {
    const schema = `t_${randomBytes(6).toString('hex')}`
    const store = await openStore({ path: '', url: base, schema })
    opened.push({ store, schema })
    return store
  }

  it('a database that does not exist is named with the CREATE DATABASE to run, without the password', async () => {
    const missing = `nodb_${randomBytes(4).toString('hex')}`
    const u = new URL(base)
    u.pathname = `/${missing}`
    u.password = 'pw-not-shown'
    const error = await openStore({ path: '', url: u.toString() }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('bad_config')
    expect((error as AppError).message).toContain(`database "${missing}" does not exist`)
    expect((error as AppError).message).toContain(`CREATE DATABASE ${missing}`)
    expect((error as AppError).message).not.toContain('pw-not-shown')
  })

  it('a search_path naming a schema that does not exist stops with a message naming it and how to create it', async () => {
    const missing = `missing_${randomBytes(4).toString('hex')}`
    const error = await openStore({ path: '', url: urlWithSearchPath(base, missing) }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('bad_config')
    expect((error as AppError).message).toContain(`"${missing}"`)
    expect((error as AppError).message).toContain(`CREATE SCHEMA ${missing}`)
    expect((error as AppError).message).not.toContain('kysely')
  })

  it('a search_path naming a schema the role may not use (owned by another role) says which GRANT it needs, not to create it', async () => {
    const admin = await openInSchema()
    const schema = `t_${randomBytes(6).toString('hex')}`
    const role = `r_${randomBytes(6).toString('hex')}`
    await sql`CREATE SCHEMA ${sql.id(schema)}`.execute(admin.db)
    opened.push({ store: admin, schema })
    await sql`CREATE ROLE ${sql.id(role)} LOGIN`.execute(admin.db)
    try {
      const error = await refusedAsRole(base, schema, role)
      expect((error as AppError).message).toContain(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`)
      expect((error as AppError).message).not.toContain('CREATE SCHEMA')
      expect((error as AppError).message).not.toContain('pw-not-shown')
    } finally {
      await sql`DROP OWNED BY ${sql.id(role)}`.execute(admin.db)
      await sql`DROP ROLE ${sql.id(role)}`.execute(admin.db)
    }
  })

  it('a search_path naming an existing schema keeps the store in that schema', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`
    const admin = await openInSchema()
    await sql`CREATE SCHEMA ${sql.id(schema)}`.execute(admin.db)
    const store = await openStore({ path: '', url: urlWithSearchPath(base, schema) })
    opened.push({ store, schema })
    const tables = await sql<{
      n: number
    }>`SELECT count(*) AS n FROM pg_tables WHERE schemaname = ${schema} AND tablename = 'deals'`.execute(store.db)
    expect(tables.rows[0]?.n).toBe(1)
  })

  it('a role that may not create tables in the schema is told which GRANT it needs, and the command ends at once', async () => {
    const store = await openInSchema()
    const schema = `t_${randomBytes(6).toString('hex')}`
    const role = `r_${randomBytes(6).toString('hex')}`
    await sql`CREATE SCHEMA ${sql.id(schema)}`.execute(store.db)
    opened.push({ store, schema })
    await sql`CREATE ROLE ${sql.id(role)} LOGIN`.execute(store.db)
    try {
      await sql`GRANT USAGE ON SCHEMA ${sql.id(schema)} TO ${sql.id(role)}`.execute(store.db)
      const error = await refusedAsRole(base, schema, role)
      expect((error as AppError).message).toContain(`GRANT CREATE ON SCHEMA ${schema} TO ${role}`)
      expect((error as AppError).message).not.toContain('pw-not-shown')
      expect((error as AppError).message).not.toMatch(/Is this a Sales Pulse database/)
      // The store's connections are closed, so a CLI command exits at once instead of idling 10 s.
      await new Promise((resolve) => setTimeout(resolve, 100))
      const left = await sql<{ n: number }>`SELECT count(*) AS n FROM pg_stat_activity WHERE usename = ${role}`.execute(store.db)
      expect(left.rows[0]?.n).toBe(0)
    } finally {
      await sql`DROP OWNED BY ${sql.id(role)}`.execute(store.db)
      await sql`DROP ROLE ${sql.id(role)}`.execute(store.db)
    }
  })

  it('a role that does not own the tables imports a large file (the indexes stay in place)', async () => {
    const owner = await openInSchema()
    await importCsvFile(owner, { path: writeTempFile('a.csv', dealsCsv(20, 'A')), stages: ['Demo'], threads: 'inline' })
    const schema = opened[opened.length - 1]?.schema as string
    const role = `r_${randomBytes(6).toString('hex')}`
    await sql`CREATE ROLE ${sql.id(role)} LOGIN`.execute(owner.db)
    try {
      await sql`GRANT USAGE ON SCHEMA ${sql.id(schema)} TO ${sql.id(role)}`.execute(owner.db)
      await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${sql.id(schema)} TO ${sql.id(role)}`.execute(owner.db)
      await sql`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${sql.id(schema)} TO ${sql.id(role)}`.execute(owner.db)
      const u = new URL(urlWithSearchPath(base, schema))
      u.username = role
      const app = await openStore({ path: '', url: u.toString() })
      try {
        // Over 5 MB (a bulk import by its size: indexes set aside for a rebuild) in a few rows,
        // padded with a column the import ignores.
        const rows = dealsCsv(300, 'B').trimEnd().split('\n')
        const padded = rows.map((line, i) => `${line},${i === 0 ? 'notes' : 'x'.repeat(20_000)}`).join('\n')
        const summary = await importCsvFile(app, { path: writeTempFile('b.csv', `${padded}\n`), stages: ['Demo'], threads: 'inline' })
        expect(summary.inserted).toBe(300)
        const n = await app.db.selectFrom('deals').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()
        expect(n.n).toBe(320)
        const indexes = await sql<{
          n: number
        }>`SELECT count(*) AS n FROM pg_indexes WHERE schemaname = ${schema} AND tablename = 'deals'`.execute(owner.db)
        expect(indexes.rows[0]?.n).toBeGreaterThan(1)
      } finally {
        await app.close()
      }
    } finally {
      await sql`DROP OWNED BY ${sql.id(role)}`.execute(owner.db)
      await sql`DROP ROLE ${sql.id(role)}`.execute(owner.db)
    }
  })

  it('a role with USAGE on the schema but no grant on the existing tables is told the table grants, not to run as the owner', async () => {
    const owner = await openInSchema()
    const schema = opened[opened.length - 1]?.schema as string
    const role = `r_${randomBytes(6).toString('hex')}`
    await sql`CREATE ROLE ${sql.id(role)} LOGIN`.execute(owner.db)
    try {
      await sql`GRANT USAGE ON SCHEMA ${sql.id(schema)} TO ${sql.id(role)}`.execute(owner.db)
      const error = await refusedAsRole(base, schema, role)
      const message = (error as AppError).message
      expect(message).toContain(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role}`)
      expect(message).toContain(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role}`)
      expect(message).not.toContain('GRANT CREATE')
      expect(message).not.toContain('pw-not-shown')
      // With those grants the same role opens the store.
      await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${sql.id(schema)} TO ${sql.id(role)}`.execute(owner.db)
      await sql`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${sql.id(schema)} TO ${sql.id(role)}`.execute(owner.db)
      const asRole = new URL(urlWithSearchPath(base, schema))
      asRole.username = role
      const app = await openStore({ path: '', url: asRole.toString() })
      await app.close()
    } finally {
      await sql`DROP OWNED BY ${sql.id(role)}`.execute(owner.db)
      await sql`DROP ROLE ${sql.id(role)}`.execute(owner.db)
    }
  })

  it('a role that may only read is told which grants it lacks when an import writes, not that something went wrong on our side', async () => {
    const owner = await openInSchema()
    await importCsvFile(owner, { path: writeTempFile('a.csv', dealsCsv(5, 'A')), stages: ['Demo'], threads: 'inline' })
    const schema = opened[opened.length - 1]?.schema as string
    const role = `r_${randomBytes(6).toString('hex')}`
    await sql`CREATE ROLE ${sql.id(role)} LOGIN`.execute(owner.db)
    try {
      await sql`GRANT USAGE ON SCHEMA ${sql.id(schema)} TO ${sql.id(role)}`.execute(owner.db)
      await sql`GRANT SELECT ON ALL TABLES IN SCHEMA ${sql.id(schema)} TO ${sql.id(role)}`.execute(owner.db)
      const u = new URL(urlWithSearchPath(base, schema))
      u.username = role
      const reader = await openStore({ path: '', url: u.toString() })
      try {
        const error = await importCsvFile(reader, {
          path: writeTempFile('b.csv', dealsCsv(5, 'B')),
          stages: ['Demo'],
          threads: 'inline',
        }).catch((e: unknown) => e)
        expect(userMessage(error)).toMatch(
          /^The PostgreSQL role in PULSE_DATABASE_URL lacks a privilege \(permission denied for table \w+\): grant it SELECT, INSERT, UPDATE, DELETE/,
        )
      } finally {
        await reader.close()
      }
    } finally {
      await sql`DROP OWNED BY ${sql.id(role)}`.execute(owner.db)
      await sql`DROP ROLE ${sql.id(role)}`.execute(owner.db)
    }
  })

  it('a pooled connection the server drops while idle does not end the process; the next query reconnects', async () => {
    const store = await openInSchema()
    const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(store.db)
    await terminateBackend(base, rows[0]?.pid as number)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const again = await sql<{ one: number }>`SELECT 1 AS one`.execute(store.db)
    expect(again.rows[0]?.one).toBe(1)
  })

  it('a connection the server drops mid-query fails that query only; the next query reconnects', async () => {
    const store = await openInSchema()
    const tag = randomBytes(4).toString('hex')
    const running = sql`SELECT pg_sleep(3), ${tag} AS tag`.execute(store.db).then(
      () => 'finished',
      (e: Error) => e.message,
    )
    const admin = new pg.Client({ connectionString: base })
    await admin.connect()
    try {
      let pid: number | undefined
      for (let i = 0; i < 50 && pid === undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        const found = await admin.query(
          `SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(3)%' AND query NOT LIKE '%pg_stat_activity%'`,
        )
        pid = found.rows[0]?.pid
      }
      expect(pid).toBeDefined()
      await admin.query('SELECT pg_terminate_backend($1)', [pid])
    } finally {
      await admin.end()
    }
    expect(await running).toMatch(/terminat/)
    // The socket's end reaches the pool a moment after the query's error: then it is dropped.
    await new Promise((resolve) => setTimeout(resolve, 100))
    const again = await sql<{ one: number }>`SELECT 1 AS one`.execute(store.db)
    expect(again.rows[0]?.one).toBe(1)
  })

  it('an import whose connection the server drops is rolled back and says so in one sentence', async () => {
    const store = await openInSchema()
    const first = await importCsvFile(store, { path: writeTempFile('a.csv', dealsCsv(50, 'A')), stages: ['Demo'], threads: 'inline' })
    expect(first.inserted).toBe(50)
    const checkedOut = new Set<pg.PoolClient>()
    const pool = store.pgPool as pg.Pool
    pool.on('acquire', (c) => checkedOut.add(c))
    pool.on('release', (_e, c) => checkedOut.delete(c))
    let killed: Promise<void> | undefined
    const error = await importCsvFile(store, {
      path: writeTempFile('b.csv', dealsCsv(60000, 'B')),
      stages: ['Demo'],
      threads: 'inline',
      onProgress: (n, total) => {
        const client = [...checkedOut][0] as (pg.PoolClient & { processID?: number }) | undefined
        if (killed || n < total / 3 || client?.processID === undefined) return
        killed = terminateBackend(base, client.processID)
      },
    }).catch((e: unknown) => e)
    await killed
    expect(killed).toBeDefined()
    expect(error).toBeInstanceOf(AppError)
    const message = (error as AppError).message
    expect(message).toMatch(/connection to PostgreSQL was lost/)
    expect(message).toMatch(/nothing was imported/)
    expect(message.split(/\.\s/).length).toBe(1)
    const deals = await store.db.selectFrom('deals').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()
    expect(deals.n).toBe(50)
    const runs = await store.db.selectFrom('import_runs').select(['run_id', 'status']).execute()
    expect(runs).toEqual([{ run_id: first.runId, status: 'done' }])
  })
})

/** Opens the store in `schema` as `role` (password never shown) and returns the `bad_config` refusal it must give. */
async function refusedAsRole(base: string, schema: string, role: string): Promise<AppError> {
  const u = new URL(urlWithSearchPath(base, schema))
  u.username = role
  u.password = 'pw-not-shown'
  const error = await openStore({ path: '', url: u.toString() }).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(AppError)
  expect((error as AppError).code).toBe('bad_config')
  return error as AppError
}
