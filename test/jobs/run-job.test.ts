import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { sql } from 'kysely'
import { afterEach, expect, it } from 'vitest'
import { openStore, type Store } from '../../src/db/open-store.js'
import { AppError } from '../../src/errors.js'
import { idleJob, pausedJob } from '../../src/jobs/idle-job.js'
import { type JobContext, runJob } from '../../src/jobs/run-job.js'
import { createLogger, silentLogger } from '../../src/log/create-logger.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { tempDir } from '../helpers/test-store.js'
import { watchEventLoop } from '../helpers/watch-event-loop.js'
import { openTwoInstances } from './two-instances.js'

const stores: Store[] = []
afterEach(async () => {
  for (const s of stores.splice(0).reverse()) await s.close()
})

function context(store: Store, instanceId: string, alerts: string[] = []): JobContext {
  return { store, logger: silentLogger(), instanceId, notifyAdmins: async (t) => void alerts.push(t) }
}

/**
 * Admins reached through a Slack that can refuse every message: `notifyAdmins` answers as the
 * Slack sender does, how many admins got the message (none while `reachable` is false).
 */
function adminsBehindSlack(store: Store): { ctx: JobContext; alerts: string[]; reachable: boolean } {
  const admins = { ctx: context(store, 'host-a'), alerts: [] as string[], reachable: false }
  admins.ctx.notifyAdmins = async (t) => {
    if (!admins.reachable) return 0
    admins.alerts.push(t)
    return 1
  }
  return admins
}

const failingSync = async () => {
  throw new AppError('crm_auth', 'HubSpot did not accept HUBSPOT_TOKEN. Set HUBSPOT_TOKEN to a valid private-app token.')
}

describeEachDialect('runJob', (dialect) => {
  const open = async () => {
    const store = await dialect.open()
    stores.push(store)
    return store
  }

  it('logs a paused run as a pause, not as "nothing to do", and records both as skipped with their reason', async () => {
    const store = await open()
    const lines: string[] = []
    const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line).msg) })
    const ctx = { ...context(store, 'test:1'), logger }
    const reason = 'Paused: Slack no longer accepts SLACK_BOT_TOKEN (the app was uninstalled from the workspace).'
    expect(await runJob(ctx, 'refresh-home', async () => pausedJob(reason))).toMatchObject({
      status: 'skipped',
      idle: reason,
      paused: true,
    })
    expect(await runJob(ctx, 'sync', async () => idleJob('No CRM is configured.'))).toMatchObject({
      status: 'skipped',
      idle: 'No CRM is configured.',
    })
    expect(lines.filter((l) => l.startsWith('job ') && l !== 'job started')).toEqual([
      `job paused, not run: ${reason}`,
      'job had nothing to do: No CRM is configured.',
    ])
  })

  it('the lock row keeps a second instance from running a job the first is running', async () => {
    const [a, b] = await openTwoInstances(dialect, stores)
    let release!: () => void
    const latch = new Promise<void>((resolve) => {
      release = resolve
    })
    let runs = 0
    const job = async () => {
      runs++
      await latch
    }
    const first = runJob(context(a, 'host-a'), 'sync', job)
    await new Promise((r) => setTimeout(r, 50))
    const second = await runJob(context(b, 'host-b'), 'sync', job)
    expect(second.status).toBe('skipped')
    expect(runs).toBe(1)
    release()
    expect((await first).status).toBe('done')
    // Once the first instance is done, the second may run it.
    expect((await runJob(context(b, 'host-b'), 'sync', async () => undefined)).status).toBe('done')
    const rows = await a.db.selectFrom('job_runs').select(['job', 'instance', 'status']).orderBy('run_id').execute()
    expect(rows).toEqual([
      { job: 'sync', instance: 'host-a', status: 'done' },
      { job: 'sync', instance: 'host-b', status: 'skipped' },
      { job: 'sync', instance: 'host-b', status: 'done' },
    ])
    // Locks are given back when a run ends.
    expect(await a.db.selectFrom('job_locks').selectAll().execute()).toEqual([])
  })

  it('waits for a run of the job still going when asked to, then runs; skipping names this instance as the holder', async () => {
    const store = await open()
    let release!: () => void
    const latch = new Promise<void>((resolve) => {
      release = resolve
    })
    const order: string[] = []
    const first = runJob(context(store, 'host-a'), 'score', async () => {
      order.push('first')
      await latch
      order.push('first done')
    })
    await new Promise((r) => setTimeout(r, 50))
    // Without waiting: skipped, and the skip says the run going on is this instance's own.
    expect((await runJob(context(store, 'host-a'), 'score', async () => order.push('skipped one'))).status).toBe('skipped')
    const skip = await store.db.selectFrom('job_runs').select('error').where('status', '=', 'skipped').executeTakeFirstOrThrow()
    expect(skip.error).toContain('still going on this instance')
    // Waiting: runs once the first has given the lock back.
    const second = runJob(context(store, 'host-a'), 'score', async () => order.push('second'), { waitForLockMs: 10_000 })
    await new Promise((r) => setTimeout(r, 1200))
    release()
    expect((await first).status).toBe('done')
    expect((await second).status).toBe('done')
    expect(order).toEqual(['first', 'first done', 'second'])
  })

  it('takes over a lock whose holder died (lease expired)', async () => {
    const store = await open()
    await store.db
      .insertInto('job_locks')
      .values({ job: 'retrain', holder: 'dead#1', acquired_at: '2024-01-01T00:00:00.000Z', expires_at: '2024-01-01T00:30:00.000Z' })
      .execute()
    expect((await runJob(context(store, 'host-a'), 'retrain', async () => undefined)).status).toBe('done')
  })

  it('marks a run a killed process left running as interrupted when the job next runs, and leaves other jobs alone', async () => {
    const store = await open()
    const killed = { instance: 'host-dead', started_at: '2024-01-01T09:00:00.000Z', status: 'running' as const }
    await store.db
      .insertInto('job_runs')
      .values([
        { job: 'sync', ...killed },
        { job: 'retrain', ...killed },
      ])
      .execute()
    const now = new Date('2024-01-01T13:00:00.000Z')
    expect((await runJob({ ...context(store, 'host-a'), now: () => now }, 'sync', async () => undefined)).status).toBe('done')
    const rows = await store.db.selectFrom('job_runs').select(['job', 'status', 'finished_at', 'error']).orderBy('run_id').execute()
    expect(rows).toEqual([
      {
        job: 'sync',
        status: 'interrupted',
        finished_at: now.toISOString(),
        error: expect.stringContaining('stopped before the run finished'),
      },
      { job: 'retrain', status: 'running', finished_at: null, error: null },
      { job: 'sync', status: 'done', finished_at: now.toISOString(), error: null },
    ])
  })

  it('a failing job alerts the admins once per failure streak, says when it recovered, and logs every run', async () => {
    const store = await open()
    const alerts: string[] = []
    const ctx = context(store, 'host-a', alerts)
    const failing = async () => {
      throw new AppError('crm_auth', 'HubSpot did not accept HUBSPOT_TOKEN. Set HUBSPOT_TOKEN to a valid private-app token.')
    }
    for (let i = 0; i < 3; i++) expect((await runJob(ctx, 'sync', failing)).status).toBe('failed')
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toContain('"sync" failed: HubSpot did not accept HUBSPOT_TOKEN')
    await runJob(ctx, 'sync', async () => undefined)
    expect(alerts).toHaveLength(2)
    expect(alerts[1]).toContain('ran successfully again')
    await runJob(ctx, 'sync', failing)
    expect(alerts).toHaveLength(3)
    const rows = await store.db.selectFrom('job_runs').select(['status', 'alerted']).orderBy('run_id').execute()
    expect(rows).toEqual([
      { status: 'failed', alerted: 1 },
      { status: 'failed', alerted: 0 },
      { status: 'failed', alerted: 0 },
      { status: 'done', alerted: 0 },
      { status: 'failed', alerted: 1 },
    ])
    // An unexpected error reaches the admins as a generic sentence, not its internals.
    await runJob(ctx, 'score', async () => {
      throw new Error('SQLITE_BUSY at /secret/path')
    })
    expect(alerts[3]).not.toContain('/secret/path')
  })

  it('a failure whose alert reached no admin is not recorded as alerted, and the next failure alerts again', async () => {
    const store = await open()
    const admins = adminsBehindSlack(store)
    const { ctx, alerts } = admins
    await runJob(ctx, 'sync', failingSync)
    admins.reachable = true
    await runJob(ctx, 'sync', failingSync)
    await runJob(ctx, 'sync', failingSync)
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toContain('"sync" failed')
    const rows = await store.db.selectFrom('job_runs').select(['status', 'alerted']).orderBy('run_id').execute()
    expect(rows).toEqual([
      { status: 'failed', alerted: 0 },
      { status: 'failed', alerted: 1 },
      { status: 'failed', alerted: 0 },
    ])
  })

  it('says a job ran successfully again only when the failure streak it ends reached an admin', async () => {
    const store = await open()
    const admins = adminsBehindSlack(store)
    const { ctx, alerts } = admins
    // No admin heard of this failure (Slack refused the DM): its end is no news to them.
    await runJob(ctx, 'sync', failingSync)
    admins.reachable = true
    expect((await runJob(ctx, 'sync', async () => undefined)).status).toBe('done')
    expect(alerts).toEqual([])
    // A streak whose first alert was refused and whose second failure reached them: they hear it ended.
    admins.reachable = false
    await runJob(ctx, 'sync', failingSync)
    admins.reachable = true
    await runJob(ctx, 'sync', failingSync)
    await runJob(ctx, 'sync', failingSync)
    await runJob(ctx, 'sync', async () => undefined)
    expect(alerts).toHaveLength(2)
    expect(alerts[0]).toContain('"sync" failed')
    expect(alerts[1]).toContain('"sync" ran successfully again')
    // Another job's alerted streak is not this one's.
    await runJob(ctx, 'retrain', failingSync)
    admins.reachable = false
    await runJob(ctx, 'score', failingSync)
    admins.reachable = true
    await runJob(ctx, 'score', async () => undefined)
    expect(alerts).toHaveLength(3)
    expect(alerts[2]).toContain('"retrain" failed')
  })

  it('a job whose database goes away mid-run fails without throwing, and its next run on the instance is not skipped for the lease left behind', async () => {
    const store = await open()
    const ctx = context(store, 'host-a')
    // The database drops during the run: recording the failure and giving the lock back both fail.
    const failed = await runJob(ctx, 'stalled-alerts', async () => {
      await sql`ALTER TABLE job_runs RENAME TO job_runs_gone`.execute(store.db)
      await sql`ALTER TABLE job_locks RENAME TO job_locks_gone`.execute(store.db)
      throw new Error('connection lost')
    })
    expect(failed).toMatchObject({ job: 'stalled-alerts', status: 'failed' })
    await sql`ALTER TABLE job_runs_gone RENAME TO job_runs`.execute(store.db)
    await sql`ALTER TABLE job_locks_gone RENAME TO job_locks`.execute(store.db)
    let ran = false
    const next = await runJob(ctx, 'stalled-alerts', async () => {
      ran = true
    })
    expect(next.status).toBe('done')
    expect(ran).toBe(true)
    const rows = await store.db.selectFrom('job_runs').select(['run_id', 'status']).orderBy('run_id').execute()
    expect(rows.map((r) => r.status)).toEqual(['interrupted', 'done'])
    expect(await store.db.selectFrom('job_locks').selectAll().execute()).toEqual([])
  })

  it('when the run cannot even be recorded, reports a failure, never runs the job and gives the lock back', async () => {
    const store = await open()
    await sql`ALTER TABLE job_runs RENAME TO job_runs_gone`.execute(store.db)
    let ran = false
    const outcome = await runJob(context(store, 'host-a'), 'sync', async () => {
      ran = true
    })
    expect(outcome).toMatchObject({ job: 'sync', status: 'failed', runId: null })
    expect(ran).toBe(false)
    expect(await store.db.selectFrom('job_locks').selectAll().execute()).toEqual([])
  })
})

it('a job whose tick comes while another process holds the SQLite file waits for it without stopping the process, then runs', async () => {
  const path = join(tempDir('pulse-job-busy-'), 'pulse.db')
  const store = await openStore({ path })
  stores.push(store)
  const other = new SqliteDatabase(path)
  other.exec('BEGIN IMMEDIATE')
  const loop = watchEventLoop()
  const release = setTimeout(() => other.exec('ROLLBACK'), 1500)
  let ran = false
  try {
    const outcome = await runJob(
      context(store, 'host-a'),
      'anomaly-check',
      async () => {
        ran = true
      },
      { tick: new Date('2026-03-02T08:00:00Z') },
    )
    expect(outcome.status).toBe('done')
  } finally {
    loop.stop()
    clearTimeout(release)
    if (other.inTransaction) other.exec('ROLLBACK')
    other.close()
  }
  expect(ran).toBe(true)
  expect(loop.longest()).toBeLessThan(1000)
})
