import { spawnSync } from 'node:child_process'
import { hostname } from 'node:os'
import { afterEach, expect, it } from 'vitest'
import { acquireJobLock } from '../../src/db/acquire-job-lock.js'
import { beginJobRun, finishJobRun, recordSkippedJobRun } from '../../src/db/begin-job-run.js'
import { beginSyncRun } from '../../src/db/begin-sync-run.js'
import { findStoreStatus } from '../../src/db/find-slack-deals.js'
import { findSyncStatus } from '../../src/db/find-sync-status.js'
import type { Store } from '../../src/db/open-store.js'
import {
  enqueueOutboxMessage,
  markOutboxSent,
  markOutboxUndelivered,
  NO_OWNER_EMAIL,
  NO_SLACK_USER,
  skipPendingOutbox,
} from '../../src/db/slack-outbox.js'
import { describeEachDialect } from '../helpers/each-dialect.js'

const stores: Store[] = []
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close()
})

describeEachDialect('pulse status: Slack messages', (dialect) => {
  it('counts what waits, what Slack refused by reason (with the refused deals), what could not be addressed and what was dropped, over the last 7 days', async () => {
    const store = await dialect.open()
    stores.push(store)
    const db = store.db
    const now = new Date()
    let n = 0
    const row = async (createdDaysAgo = 0) => {
      n++
      await enqueueOutboxMessage(db, {
        dedupeKey: `stall:${n}`,
        kind: 'stall_dm',
        dealId: `D${n}`,
        recipientEmail: 'ana@acme.example',
        channelId: null,
        payload: { text: 'x', blocks: [] },
        now: new Date(now.getTime() - createdDaysAgo * 86_400_000),
      })
      return (await db.selectFrom('slack_outbox').select('outbox_id').where('dedupe_key', '=', `stall:${n}`).executeTakeFirstOrThrow())
        .outbox_id
    }
    await row() // waiting
    await row(20) // waiting, however old
    await markOutboxSent(db, await row(), { ts: '1.1', at: now })
    await markOutboxUndelivered(db, await row(), 'failed', 'cannot_dm_bot')
    await markOutboxUndelivered(db, await row(), 'failed', 'cannot_dm_bot')
    await markOutboxUndelivered(db, await row(), 'failed', 'user_disabled')
    await markOutboxUndelivered(db, await row(10), 'failed', 'user_disabled') // older than a week
    await markOutboxUndelivered(db, await row(), 'skipped', NO_OWNER_EMAIL)
    await markOutboxUndelivered(db, await row(), 'skipped', NO_SLACK_USER)
    await row()
    await skipPendingOutbox(db, [`stall:${n}`], 'the stall ended before the DM was sent')
    expect((await findSyncStatus(db)).messages).toEqual({
      waiting: 2,
      refused: [
        { reason: 'cannot_dm_bot', count: 2, dealIds: ['D4', 'D5'], digests: 0, alerts: 0 },
        { reason: 'user_disabled', count: 1, dealIds: ['D6'], digests: 0, alerts: 0 },
      ],
      undeliverable: 2,
      dropped: 1,
    })
  })
})

describeEachDialect('pulse status: the last import', (dialect) => {
  it('is the one that finished last, not the one started last (two imports at once on PostgreSQL commit in either order)', async () => {
    const store = await dialect.open()
    stores.push(store)
    const run = (file: string, startedAt: string, finishedAt: string | null, status: 'done' | 'running') => ({
      source: 'csv',
      file,
      started_by: null,
      started_at: startedAt,
      finished_at: finishedAt,
      status,
      rows_read: 10,
      rows_inserted: 10,
      rows_updated: 0,
      rows_rejected: 0,
    })
    // big.csv started first and committed after small.csv, which started a minute later.
    await store.db
      .insertInto('import_runs')
      .values(run('big.csv', '2026-03-02T10:00:00.000Z', '2026-03-02T10:05:00.000Z', 'done'))
      .execute()
    await store.db
      .insertInto('import_runs')
      .values(run('small.csv', '2026-03-02T10:01:00.000Z', '2026-03-02T10:01:30.000Z', 'done'))
      .execute()
    expect((await findSyncStatus(store.db)).lastImport).toMatchObject({ file: 'big.csv', finishedAt: '2026-03-02T10:05:00.000Z' })
    expect((await findStoreStatus(store.db)).lastImport).toMatchObject({ file: 'big.csv', at: '2026-03-02T10:05:00.000Z' })
    // One still running counts from when it started.
    await store.db
      .insertInto('import_runs')
      .values(run('next.csv', '2026-03-02T10:06:00.000Z', null, 'running'))
      .execute()
    expect((await findSyncStatus(store.db)).lastImport).toMatchObject({ file: 'next.csv', status: 'running' })
  })
})

describeEachDialect('pulse status: runs whose process is gone', (dialect) => {
  it('shows a sync run and a job run left running by a killed process as interrupted, and live ones as running', async () => {
    const store = await dialect.open()
    stores.push(store)
    const db = store.db
    const now = new Date()
    const gone = `${hostname()}:${spawnSync(process.execPath, ['-e', '']).pid}`
    // A `pulse serve` killed in the middle of its scheduled sync: its rows still say running.
    await beginSyncRun(db, { source: 'hubspot', mode: 'incremental', startedBy: 'scheduler', now })
    await acquireJobLock(db, 'sync', `${gone}#run-1`, 60_000, now)
    await beginJobRun(db, 'sync', gone, now)
    await beginJobRun(db, 'retrain', `${hostname()}:${process.pid}`, now)
    const s = await findSyncStatus(db)
    expect(s.lastSyncs[0]).toMatchObject({ status: 'interrupted', error_message: expect.stringMatching(/killed or crashed/) })
    expect(s.recentJobs.map((j) => `${j.job} ${j.status}`).sort()).toEqual(['retrain running', 'sync interrupted'])
    expect(s.lastJobRuns.map((j) => `${j.job} ${j.lastRun.status} ${j.lastFailure}`)).toEqual([
      'retrain running null',
      'sync interrupted null',
    ])
    // Without a way to tell the holder is gone (another machine's), an unexpired lock means the sync is going on.
    expect((await findSyncStatus(db, 10, { holderGone: () => false })).lastSyncs[0]?.status).toBe('running')
    // A lock whose lease ran out holds nothing: no process is renewing it.
    expect((await findSyncStatus(db, 10, { now: new Date(now.getTime() + 120_000), holderGone: () => false })).lastSyncs[0]?.status).toBe(
      'interrupted',
    )
    // /pulse status tells the same.
    expect((await findStoreStatus(db)).lastSync?.status).toBe('interrupted')
  })
})

describeEachDialect('pulse status: the last run of each job', (dialect) => {
  it('is its latest run that was not skipped, with its latest failure only while no run succeeded since', async () => {
    const store = await dialect.open()
    stores.push(store)
    const db = store.db
    const t = (m: number) => new Date(Date.UTC(2026, 10, 27, 9, m))
    const run = async (job: string, status: 'done' | 'failed', m: number) =>
      finishJobRun(db, await beginJobRun(db, job, 'host-a:1', t(m)), {
        status,
        now: t(m),
        error: status === 'failed' ? `${job} broke at ${m}` : null,
      })
    await run('score', 'failed', 0)
    await run('score', 'done', 1)
    await run('sync', 'done', 2)
    await run('sync', 'failed', 3)
    for (let m = 4; m < 20; m++) await recordSkippedJobRun(db, m % 2 ? 'sync' : 'score', 'host-b:2', 'another instance ran this tick', t(m))
    const s = await findSyncStatus(db)
    expect(s.recentJobs.every((j) => j.status === 'skipped')).toBe(true)
    expect(s.lastJobRuns.map((j) => [j.job, j.lastRun.status, j.lastRun.started_at, j.lastFailure?.error ?? null])).toEqual([
      ['score', 'done', t(1).toISOString(), null],
      ['sync', 'failed', t(3).toISOString(), 'sync broke at 3'],
    ])
  })
})
