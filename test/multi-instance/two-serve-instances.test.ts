import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { openStore, type Store } from '../../src/db/open-store.js'
import { countOutboxByStatus } from '../../src/db/slack-outbox.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { writeSampleFiles } from '../../src/sample/write-sample-files.js'
import { appHomeOpenedBody, postSigned, SlackFake, waitFor } from '../fakes/slack-fake.js'
import { dropTestSchema } from '../helpers/each-dialect.js'
import { freePort, spawnPulse } from '../helpers/pulse-process.js'
import { schemaScopedUrl } from '../helpers/schema-scoped-url.js'
import { tempDir } from '../helpers/test-store.js'
import { AS_OF, PEOPLE, SIGNING_SECRET, sampleCompany } from '../slack/slack-test-app.js'
import { onceAt, twoServingBeforeTick } from './pulse-cluster.js'

const pgUrl = process.env.PULSE_TEST_DATABASE_URL
const DEALS = 1500
const NEVER = '0 0 1 1 *'

/** A running `pulse serve` child process. */
interface Instance {
  child: ChildProcess
  url: string
  stderr: () => string
  exited: Promise<number | null>
}

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined)
})

/**
 * One Postgres schema with the sample company imported (the same deals `sampleCompany` makes),
 * a fake Slack that knows its people, and a way to start `pulse serve` processes on both.
 */
async function setup(url: string, deals = DEALS) {
  const company = await sampleCompany(deals)
  cleanup.push(() => company.store.close())
  const sample = writeSampleFiles({ out: join(tempDir('pulse-multi-'), 'deals.csv'), deals, seed: 11, asOf: AS_OF })
  const schema = `mi_${randomBytes(6).toString('hex')}`
  const store: Store = await openStore({ path: '', url, schema })
  cleanup.push(async () => {
    await dropTestSchema(store.db, schema)
    await store.close()
  })
  await importCsvFile(store, { path: sample.csv, stages: DEFAULT_STAGES })
  const fake = await new SlackFake({ users: company.users }).start()
  cleanup.push(() => fake.stop())
  const databaseUrl = schemaScopedUrl(url, schema)

  const children: ChildProcess[] = []
  const serve = async (env: Record<string, string> = {}): Promise<Instance> => {
    const port = await freePort()
    const run = spawnPulse(['serve'], {
      PULSE_DATABASE_URL: databaseUrl,
      SLACK_BOT_TOKEN: fake.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      SLACK_APP_TOKEN: '',
      PORT: String(port),
      PULSE_AS_OF: AS_OF,
      PULSE_ROSTER: company.rosterPath,
      PULSE_LOG_LEVEL: 'warn',
      // The stalled-deal DMs every second: many ticks in a short test. Nothing else runs.
      PULSE_ALERTS_SCHEDULE: '* * * * * *',
      PULSE_SYNC_SCHEDULE: NEVER,
      PULSE_RETRAIN_SCHEDULE: NEVER,
      PULSE_ANOMALY_SCHEDULE: NEVER,
      ...env,
    })
    const { child, exited } = run
    children.push(child)
    cleanup.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    })
    await waitFor(() => run.stderr.includes('listening on port') || child.exitCode !== null, 60_000, `serve to start (${run.stderr})`)
    expect(child.exitCode, run.stderr).toBeNull()
    return { child, url: `http://127.0.0.1:${port}`, stderr: () => run.stderr, exited }
  }

  /** Messages per outbox id, as the fake Slack received them. */
  const deliveries = (): Map<number, number> => {
    const out = new Map<number, number>()
    for (const m of fake.messages) {
      const id = Number(m.metadata?.event_payload?.outbox_id)
      if (Number.isFinite(id)) out.set(id, (out.get(id) ?? 0) + 1)
    }
    return out
  }

  const stalledTicks = () =>
    store.db.selectFrom('job_locks').select(['job', 'holder']).where('job', 'like', 'tick:stalled-alerts:%').execute()

  const stalledRuns = () =>
    store.db
      .selectFrom('job_runs')
      .select(['instance', 'status', 'error', 'started_at', 'finished_at'])
      .where('job', '=', 'stalled-alerts')
      .orderBy('run_id')
      .execute()

  const allDelivered = async () => {
    const c = await countOutboxByStatus(store.db)
    return c.sent + c.skipped + c.failed > 0 && c.pending + c.sending === 0
  }

  /** Kills every `pulse serve` started so far (SIGKILL). */
  const killAll = async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }

  return { store, fake, serve, deliveries, stalledRuns, stalledTicks, allDelivered, killAll }
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const pidOf = (instance: string) => Number(instance.split(':').at(-1))

/**
 * Waits until the stalled-deal run is stuck on its 5th DM, then SIGKILLs the instance holding the
 * job's lease (the one running it) and returns it with the other one.
 */
async function killTheRunner(
  env: Awaited<ReturnType<typeof setup>>,
  a: Instance,
  b: Instance,
): Promise<{ victim: Instance; survivor: Instance }> {
  await waitFor(() => env.fake.callsOf('chat.postMessage').length >= 5, 60_000, 'the running instance to send')
  await new Promise((r) => setTimeout(r, 300))
  const lease = await env.store.db.selectFrom('job_locks').select('holder').where('job', '=', 'stalled-alerts').executeTakeFirstOrThrow()
  const runnerPid = pidOf(lease.holder.split('#')[0] as string)
  const [victim, survivor] = runnerPid === a.child.pid ? [a, b] : [b, a]
  expect(victim.child.pid).toBe(runnerPid)
  victim.child.kill('SIGKILL')
  await victim.exited
  return { victim, survivor }
}

describe.skipIf(!pgUrl)(
  `two pulse serve processes on one PostgreSQL${pgUrl ? '' : ' (skipped: set PULSE_TEST_DATABASE_URL to a PostgreSQL URL)'}`,
  () => {
    it('run the stalled-deal job once per tick between them, send each DM exactly once, and render the same Home', async () => {
      const env = await setup(pgUrl as string)
      const [a, b] = await Promise.all([env.serve(), env.serve()])
      await until(env.allDelivered, 90_000, 'every DM to be delivered').catch(async (e) => {
        throw new Error(
          `${e.message}: ${JSON.stringify(await countOutboxByStatus(env.store.db))} ${JSON.stringify((await env.stalledRuns()).slice(-6))} ${a.stderr().slice(-1500)} ${b.stderr().slice(-1500)}`,
        )
      })
      // Home is the same whichever instance renders it.
      const homes = []
      for (const i of [a, b]) {
        const before = env.fake.views.length
        expect((await postSigned(i.url, SIGNING_SECRET, appHomeOpenedBody(PEOPLE.manager), 'application/json')).status).toBe(200)
        await waitFor(() => env.fake.views.length > before, 30_000, 'views.publish')
        homes.push(env.fake.views.at(-1))
      }
      expect(homes[0]?.userId).toBe(PEOPLE.manager)
      expect(homes[1]).toEqual(homes[0])
      // A few more ticks once everything went out: nothing is sent again.
      await new Promise((r) => setTimeout(r, 2000))
      for (const i of [a, b]) i.child.kill('SIGTERM')
      expect(await a.exited, a.stderr()).toBe(0)
      expect(await b.exited, b.stderr()).toBe(0)

      const outbox = await countOutboxByStatus(env.store.db)
      const deliveries = env.deliveries()
      expect(outbox.sent).toBeGreaterThan(10)
      expect(deliveries.size).toBe(outbox.sent)
      const twice = [...deliveries].filter(([, n]) => n > 1)
      const runs = await env.stalledRuns()
      expect(twice, `outbox ids delivered more than once: ${JSON.stringify(twice)}; runs: ${JSON.stringify(runs.slice(0, 8))}`).toEqual([])

      // Once per tick: every tick has one claim row, and each claim led to exactly one run (or, while
      // the previous run was still going, a skip for the lease). The other instance skipped the tick.
      const ticks = await env.stalledTicks()
      const ran = runs.filter((r) => r.status !== 'skipped')
      const leaseBusy = runs.filter((r) => r.status === 'skipped' && r.error === 'another instance is running this job')
      const tickTaken = runs.filter((r) => r.status === 'skipped' && r.error === 'another instance ran this tick')
      expect(ticks.length).toBeGreaterThanOrEqual(3)
      expect(ran.length + leaseBusy.length).toBe(ticks.length)
      expect(tickTaken.length).toBeGreaterThan(0)
      expect(new Set(runs.map((r) => pidOf(r.instance)))).toEqual(new Set([a.child.pid, b.child.pid]))
      // Runs never overlap, across both processes.
      const spans = ran
        .map((r) => [Date.parse(r.started_at), Date.parse(r.finished_at ?? r.started_at)] as const)
        .sort((x, y) => x[0] - y[0])
      for (let i = 1; i < spans.length; i++) expect(spans[i]?.[0]).toBeGreaterThanOrEqual(spans[i - 1]?.[1] ?? 0)
      expect(ran.every((r) => r.status === 'done')).toBe(true)
    }, 180_000)

    it('send no DM twice when a second instance starts while the first is mid-send (its start-up drain meets the running job)', async () => {
      // More deals: more DMs per owner, paced one a second per DM channel, so the run lasts a while.
      const env = await setup(pgUrl as string, 8000)
      const a = await env.serve()
      await until(
        async () => {
          const c = await countOutboxByStatus(env.store.db)
          return c.sent > 0 && c.pending + c.sending > 0
        },
        60_000,
        'the first instance to be mid-send',
      )
      const b = await env.serve()
      await until(env.allDelivered, 90_000, 'every DM to be delivered')
      for (const i of [a, b]) i.child.kill('SIGTERM')
      await Promise.all([a.exited, b.exited])
      const outbox = await countOutboxByStatus(env.store.db)
      const deliveries = env.deliveries()
      const twice = [...deliveries].filter(([, n]) => n > 1)
      expect(twice, `outbox ids delivered more than once: ${JSON.stringify(twice)}`).toEqual([])
      expect(deliveries.size).toBe(outbox.sent)
    }, 180_000)

    it('lose no DM and send none twice when the process running the job is killed mid-send and restarted', async () => {
      const env = await setup(pgUrl as string)
      // The 5th DM reaches Slack but is never answered: whoever sends it is stuck mid-run.
      env.fake.hangOnPostMessage = 5
      const [a, b] = await Promise.all([env.serve(), env.serve()])
      const { survivor } = await killTheRunner(env, a, b)
      const before = await countOutboxByStatus(env.store.db)
      expect(before.sending).toBeGreaterThan(0)
      expect(before.pending).toBeGreaterThan(0)
      env.fake.hangOnPostMessage = undefined

      // A restart (as a supervisor would do) delivers what the dead process left; the survivor keeps ticking.
      const restarted = await env.serve()
      await until(env.allDelivered, 90_000, 'every DM to be delivered after the restart')
      await new Promise((r) => setTimeout(r, 2000))
      for (const i of [survivor, restarted]) i.child.kill('SIGTERM')
      expect(await survivor.exited, survivor.stderr()).toBe(0)
      expect(await restarted.exited, restarted.stderr()).toBe(0)

      const outbox = await countOutboxByStatus(env.store.db)
      const deliveries = env.deliveries()
      expect(outbox.pending + outbox.sending + outbox.failed).toBe(0)
      expect(deliveries.size).toBe(outbox.sent)
      const twice = [...deliveries].filter(([, n]) => n > 1)
      expect(twice, `outbox ids delivered more than once: ${JSON.stringify(twice)}`).toEqual([])
    }, 180_000)

    it("let the surviving instance finish a killed instance's DM run once the claims run out, without a new tick or a restart", async () => {
      // One tick in the whole test: the stalled-deal job fires once an hour at a second after both instances listen.
      const leaseMs = 3000
      const started = await twoServingBeforeTick(
        async () => {
          const made = await setup(pgUrl as string)
          made.fake.hangOnPostMessage = 5
          return made
        },
        (made, instanceEnv) => made.serve(instanceEnv),
        (made) => made.killAll(),
        (at) => ({ PULSE_ALERTS_SCHEDULE: onceAt(at), PULSE_TZ: 'UTC', PULSE_OUTBOX_LEASE_MS: String(leaseMs) }),
      )
      const { setup: env, a, b, at } = started
      expect(Date.now(), 'both instances must be up before the tick').toBeLessThan(at.getTime() - 1000)
      const { victim, survivor } = await killTheRunner(env, a, b)
      env.fake.hangOnPostMessage = undefined
      const before = await countOutboxByStatus(env.store.db)
      expect(before.sending).toBeGreaterThan(0)
      expect(before.pending).toBeGreaterThan(0)

      const killedAt = Date.now()
      await until(env.allDelivered, 45_000, 'the survivor to deliver every DM').catch(async (e) => {
        throw new Error(`${e.message}: ${JSON.stringify(await countOutboxByStatus(env.store.db))} ${survivor.stderr().slice(-1500)}`)
      })
      // Within a few leases of the kill: the survivor did not wait for a tick (the next one is an hour away).
      expect(Date.now() - killedAt).toBeLessThan(40_000)
      survivor.child.kill('SIGTERM')
      expect(await survivor.exited, survivor.stderr()).toBe(0)

      const ticks = await env.stalledTicks()
      expect(ticks).toHaveLength(1)
      const ran = (await env.stalledRuns()).filter((r) => r.status !== 'skipped')
      expect(ran.map((r) => pidOf(r.instance))).toEqual([victim.child.pid])
      const outbox = await countOutboxByStatus(env.store.db)
      const deliveries = env.deliveries()
      expect(outbox.pending + outbox.sending + outbox.failed).toBe(0)
      expect(outbox.sent).toBeGreaterThan(before.sent)
      expect(deliveries.size).toBe(outbox.sent)
      const twice = [...deliveries].filter(([, n]) => n > 1)
      expect(twice, `outbox ids delivered more than once: ${JSON.stringify(twice)}`).toEqual([])
    }, 300_000)
  },
)
