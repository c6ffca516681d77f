import { spawnSync } from 'node:child_process'
import { hostname } from 'node:os'
import { afterEach, expect, it } from 'vitest'
import { beginJobRun } from '../../src/db/begin-job-run.js'
import type { Store } from '../../src/db/open-store.js'
import { holdSqliteInstance } from '../../src/jobs/hold-sqlite-instance.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { openTestStore } from '../helpers/test-store.js'

let store: Store | undefined
afterEach(async () => {
  await store?.close()
})

it('marks the runs a killed pulse serve on this machine left running as interrupted at start, and leaves runs of live instances alone', async () => {
  store = await openTestStore()
  const db = store.db
  // A process that has exited: its pid names no process now.
  const gone = spawnSync(process.execPath, ['-e', '0']).pid
  const dead = `${hostname()}:${gone}`
  const alive = `${hostname()}:${process.ppid}`
  const elsewhere = 'other-host:123'
  const at = new Date('2026-03-02T09:00:00Z')
  const retrain = await beginJobRun(db, 'retrain', dead, at)
  const alerts = await beginJobRun(db, 'stalled-alerts', dead, at)
  const live = await beginJobRun(db, 'sync', alive, at)
  const remote = await beginJobRun(db, 'anomaly-check', elsewhere, at)
  const hold = await holdSqliteInstance(store, { logger: silentLogger(), instanceId: `${hostname()}:${process.pid}` })
  await hold.release()
  const rows = await db.selectFrom('job_runs').select(['run_id', 'status', 'error']).orderBy('run_id').execute()
  const status = new Map(rows.map((r) => [r.run_id, r.status]))
  expect(status.get(retrain)).toBe('interrupted')
  expect(status.get(alerts)).toBe('interrupted')
  expect(status.get(live)).toBe('running')
  expect(status.get(remote)).toBe('running')
  expect(rows.find((r) => r.run_id === retrain)?.error).toBe('The process running this job stopped before the run finished.')
})
