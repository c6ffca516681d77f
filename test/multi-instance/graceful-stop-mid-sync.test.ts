import { afterEach, describe, expect, it } from 'vitest'
import { generateHubspotDeals, type HubspotFake, startHubspotFake } from '../fakes/hubspot-fake.js'
import { onceAt, type PulseCluster, pidOf, startClusterBeforeTick, until } from './pulse-cluster.js'

const pgUrl = process.env.PULSE_TEST_DATABASE_URL

let cluster: PulseCluster | undefined
let hubspot: HubspotFake | undefined
afterEach(async () => {
  await cluster?.close()
  await hubspot?.close()
  cluster = undefined
  hubspot = undefined
})

describe.skipIf(!pgUrl)('a pulse serve stopped (SIGTERM) in the middle of its scheduled CRM sync, on PostgreSQL', () => {
  it('stops after the page it is storing, records the sync as cut short, and gives the sync back to the other instances', async () => {
    // A HubSpot that answers one search a second: the sync takes half a minute.
    hubspot = await startHubspotFake({ deals: generateHubspotDeals(3000, { seed: 5 }), searchPerSecond: 1 })
    const crm = hubspot
    // One sync tick, once both instances listen.
    const started = await startClusterBeforeTick(pgUrl as string, 300, (at) => ({
      HUBSPOT_TOKEN: crm.token,
      HUBSPOT_API_URL: crm.url,
      PULSE_SYNC_SCHEDULE: onceAt(at),
    }))
    cluster = started.cluster
    const { a, b, at } = started
    const c = cluster
    expect(Date.now(), 'both instances must be up before the tick').toBeLessThan(at.getTime() - 1000)
    const syncRuns = () =>
      c.store.db.selectFrom('sync_runs').select(['run_id', 'status', 'pages', 'error_message']).orderBy('run_id').execute()
    await until(async () => (await syncRuns()).some((r) => r.status === 'running' && r.pages >= 2), 30_000, 'the sync to store two pages')
    const lease = await c.store.db.selectFrom('job_locks').select('holder').where('job', '=', 'sync').executeTakeFirstOrThrow()
    const [runner, other] = pidOf(lease.holder) === a.pid ? [a, b] : [b, a]

    const stopAt = Date.now()
    runner.run.child.kill('SIGTERM')
    const code = await Promise.race([runner.run.exited, new Promise((r) => setTimeout(() => r('still running after 15 s'), 15_000))])
    expect(code, runner.run.stderr.slice(-2000)).toBe(0)
    expect(Date.now() - stopAt).toBeLessThan(8000)

    // Nothing left looking alive: the sync run, the job run and the lease.
    const runs = await syncRuns()
    expect(runs.map((r) => r.status)).toEqual(['interrupted'])
    expect(runs[0]?.pages).toBeGreaterThanOrEqual(2)
    expect(runs[0]?.error_message).toMatch(/stopped/i)
    const jobRuns = (await c.runs('sync')).filter((r) => pidOf(r.instance) === runner.pid && r.status !== 'skipped')
    // The job run too: cut short by the stop (the summaries are rebuilt by the next sync).
    expect(jobRuns.map((r) => r.status)).toEqual(['interrupted'])
    expect(await c.store.db.selectFrom('job_locks').select('holder').where('job', '=', 'sync').executeTakeFirst()).toBeUndefined()
    // No admin alert for a stop: it is not a failure.
    expect(c.fake.messages.filter((m) => /failed/.test(m.text ?? ''))).toEqual([])

    other.run.child.kill('SIGTERM')
    expect(await other.run.exited, other.run.stderr.slice(-2000)).toBe(0)
  }, 240_000)
})
