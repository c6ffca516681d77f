import { afterEach, describe, expect, it } from 'vitest'
import { countOutboxByStatus } from '../../src/db/slack-outbox.js'
import { type PulseCluster, pidOf, startPulseCluster, until } from './pulse-cluster.js'

const pgUrl = process.env.PULSE_TEST_DATABASE_URL

let cluster: PulseCluster | undefined
afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

const EVERY_SECOND = '* * * * * *'

describe.skipIf(!pgUrl)('three pulse serve processes on one PostgreSQL, every job due every second', () => {
  it('run each scheduled job once per tick between them (the others skip it), never overlapping, with the DMs sent once each', async () => {
    cluster = await startPulseCluster(pgUrl as string, 1500)
    const c = cluster
    // All three fire at the same second boundaries: every tick is a race of three.
    const env = {
      PULSE_ALERTS_SCHEDULE: EVERY_SECOND,
      PULSE_SYNC_SCHEDULE: EVERY_SECOND,
      PULSE_ANOMALY_SCHEDULE: EVERY_SECOND,
      PULSE_RETRAIN_SCHEDULE: EVERY_SECOND,
    }
    const instances = await Promise.all([c.serve(env), c.serve(env), c.serve(env)])
    await until(c.allDelivered, 60_000, async () => `every DM to be delivered: ${JSON.stringify(await countOutboxByStatus(c.store.db))}`)
    await new Promise((r) => setTimeout(r, 3000))
    for (const i of instances) i.run.child.kill('SIGTERM')
    for (const i of instances) expect(await i.run.exited, i.run.stderr.slice(-2000)).toBe(0)

    const pids = new Set(instances.map((i) => i.pid))
    const runs = await c.store.db
      .selectFrom('job_runs')
      .select(['run_id', 'job', 'instance', 'status', 'error', 'started_at', 'finished_at'])
      .orderBy('run_id')
      .execute()
    expect(runs.every((r) => pids.has(pidOf(r.instance)))).toBe(true)
    // Nothing left running or cut off by a killed process; runs the stop itself cut short say so.
    const stoppedByTheStop = (r: { status: string; error: string | null }) =>
      r.status === 'interrupted' && r.error === 'The app was stopped while this run was going; it runs again at its next scheduled time.'
    expect(runs.filter((r) => r.status === 'running' || (r.status === 'interrupted' && !stoppedByTheStop(r)))).toEqual([])
    const ticks = await c.store.db.selectFrom('job_locks').select(['job', 'holder']).where('job', 'like', 'tick:%').execute()
    for (const job of ['stalled-alerts', 'sync', 'anomaly-check', 'retrain']) {
      const mine = runs.filter((r) => r.job === job)
      const jobTicks = ticks.filter((t) => t.job.startsWith(`tick:${job}:`))
      // A sync with no CRM configured ran and found nothing to do: it is recorded as skipped, saying so.
      const ran = mine.filter((r) => r.status !== 'skipped' || r.error?.startsWith('No CRM is configured'))
      const leaseBusy = mine.filter((r) => r.status === 'skipped' && r.error === 'another instance is running this job')
      const tickTaken = mine.filter((r) => r.status === 'skipped' && r.error === 'another instance ran this tick')
      expect(jobTicks.length, job).toBeGreaterThanOrEqual(3)
      // Each claimed tick led to one run (or a skip, its previous run still going); the claim's holder ran it.
      expect(ran.length + leaseBusy.length, job).toBe(jobTicks.length)
      // The instances that lost a tick recorded it (at most two per tick: an instance whose own previous
      // run of the entry is still going does not even ask); none ran it.
      expect(tickTaken.length, job).toBeGreaterThan(0)
      expect(tickTaken.length, job).toBeLessThanOrEqual(2 * jobTicks.length)
      // Runs of one job never overlap, across the three processes.
      const spans = ran
        .map((r) => [Date.parse(r.started_at), Date.parse(r.finished_at ?? r.started_at)] as const)
        .sort((x, y) => x[0] - y[0])
      for (let i = 1; i < spans.length; i++) expect(spans[i]?.[0], job).toBeGreaterThanOrEqual(spans[i - 1]?.[1] ?? 0)
    }
    const outbox = await countOutboxByStatus(c.store.db)
    expect(c.deliveries().size).toBe(outbox.sent)
    expect(c.twice()).toEqual([])

    // `pulse status` shows the latest runs of all three, each with the instance that recorded it.
    const status = await c.pulse(['status', '--json'])
    expect(status.child.exitCode, status.stderr).toBe(0)
    const recent = (JSON.parse(status.stdout) as { recentJobs: Array<{ run_id: number; instance: string; status: string }> }).recentJobs
    const latest = [...runs].reverse().slice(0, recent.length)
    expect(recent.map((r) => [r.run_id, r.instance, r.status])).toEqual(latest.map((r) => [r.run_id, r.instance, r.status]))
    const text = await c.pulse(['status'])
    for (const r of recent) expect(text.stdout).toContain(r.instance)
  }, 90_000)
})
