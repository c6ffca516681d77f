import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { openStore, type Store } from '../../src/db/open-store.js'
import { countOutboxByStatus } from '../../src/db/slack-outbox.js'
import { SlackFake, waitFor } from '../fakes/slack-fake.js'
import type { PulseProcess } from '../helpers/pulse-process.js'
import { tempDir } from '../helpers/test-store.js'
import { sampleCompany } from '../slack/slack-test-app.js'
import { pidOf, until } from './pulse-cluster.js'
import { spawnSqliteServe } from './spawn-sqlite-serve.js'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined)
})

// SQLite: one `pulse serve`. When it is killed mid-run (OOM, kill -9, a power cut) and its
// supervisor restarts it, nobody else can be running its jobs: the restarted instance must not
// wait out the dead one's job lease (30 minutes, 2 hours for the sync) before running them again.
it('a pulse serve on SQLite restarted after a kill mid-run runs the job at its next tick and marks the cut-off run interrupted', async () => {
  const dbPath = join(tempDir('pulse-sqlite-kill-'), 'pulse.db')
  const company = await sampleCompany(1500, dbPath)
  await company.store.close()
  const fake = await new SlackFake({ users: company.users }).start()
  cleanup.push(() => fake.stop())
  const store: Store = await openStore({ path: dbPath })
  cleanup.push(() => store.close())

  const serve = async (): Promise<PulseProcess> => {
    // A short claim lease keeps the test quick; the DM left in flight settles for it before the check.
    const run = await spawnSqliteServe(
      { dbPath, fake, rosterPath: company.rosterPath, cleanup },
      { PULSE_ALERTS_SCHEDULE: '* * * * * *', PULSE_OUTBOX_LEASE_MS: '3000' },
    )
    expect(run.child.exitCode, run.stderr).toBeNull()
    return run
  }
  const runs = () =>
    store.db.selectFrom('job_runs').select(['run_id', 'instance', 'status']).where('job', '=', 'stalled-alerts').orderBy('run_id').execute()

  // The 3rd DM reaches Slack and is never answered: the run is stuck mid-send, then killed.
  fake.hangOnPostMessage = 3
  const first = await serve()
  await waitFor(() => fake.callsOf('chat.postMessage').length >= 3, 30_000, 'the run to be stuck mid-send')
  first.child.kill('SIGKILL')
  await first.exited
  fake.hangOnPostMessage = undefined
  expect((await runs()).filter((r) => r.status === 'running').map((r) => pidOf(r.instance))).toEqual([first.child.pid])

  const restarted = await serve()
  await until(
    async () => (await runs()).some((r) => pidOf(r.instance) === restarted.child.pid && r.status === 'done'),
    15_000,
    async () => `the restarted instance to run the job: ${JSON.stringify((await runs()).slice(-4))}`,
  )
  await until(
    async () => {
      const c = await countOutboxByStatus(store.db)
      return c.pending + c.sending === 0
    },
    15_000,
    'every DM to be delivered',
  )
  restarted.child.kill('SIGTERM')
  expect(await restarted.exited, restarted.stderr).toBe(0)

  const all = await runs()
  expect(all.filter((r) => pidOf(r.instance) === first.child.pid && r.status !== 'skipped').map((r) => r.status)).toEqual(['interrupted'])
  expect(all.filter((r) => r.status === 'running')).toEqual([])
  const delivered = new Map<number, number>()
  for (const m of fake.messages) {
    const id = Number(m.metadata?.event_payload?.outbox_id)
    delivered.set(id, (delivered.get(id) ?? 0) + 1)
  }
  expect([...delivered].filter(([, n]) => n > 1)).toEqual([])
}, 60_000)
