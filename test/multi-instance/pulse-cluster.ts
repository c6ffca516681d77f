import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { expect } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { openStore, type Store } from '../../src/db/open-store.js'
import { countOutboxByStatus } from '../../src/db/slack-outbox.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { writeSampleFiles } from '../../src/sample/write-sample-files.js'
import { SlackFake, type SlackFakeOptions, waitFor } from '../fakes/slack-fake.js'
import { dropTestSchema } from '../helpers/each-dialect.js'
import { freePort, type PulseProcess, spawnPulse } from '../helpers/pulse-process.js'
import { schemaScopedUrl } from '../helpers/schema-scoped-url.js'
import { tempDir } from '../helpers/test-store.js'
import { AS_OF, SIGNING_SECRET, sampleCompany } from '../slack/slack-test-app.js'

/** A cron expression that never fires within a test. */
export const NEVER = '0 0 1 1 *'

/** A running `pulse serve` child process of a {@link PulseCluster}. */
export interface Instance {
  readonly run: PulseProcess
  readonly pid: number
  readonly url: string
}

/** One Postgres schema with a sample company, a fake Slack, and `pulse` processes on both. */
export interface PulseCluster {
  readonly store: Store
  readonly fake: SlackFake
  readonly databaseUrl: string
  /** The environment every `pulse` process of the cluster gets (before `env`). */
  readonly baseEnv: Record<string, string>
  serve(env?: Record<string, string>): Promise<Instance>
  /** Runs `pulse ARGS` to completion on the cluster's database. */
  pulse(args: readonly string[], env?: Record<string, string>): Promise<PulseProcess>
  /** Messages per outbox id, as the fake Slack received them. */
  deliveries(): Map<number, number>
  /** Outbox ids Slack received more than once. */
  twice(): Array<[number, number]>
  /** Whether every outbox row is settled (and at least one was sent). */
  allDelivered(): Promise<boolean>
  runs(job: string): Promise<Array<{ run_id: number; instance: string; status: string; error: string | null }>>
  close(): Promise<void>
}

/** The pid in an instance id `host:pid` (or a lease holder `host:pid#uuid`). */
export const pidOf = (instance: string): number => Number((instance.split('#')[0] as string).split(':').at(-1))

/**
 * Imports the sample company (`deals` deals, the people of `sampleCompany`) into a fresh schema
 * of the PostgreSQL at `url`, starts a fake Slack that knows them, and starts `pulse serve`
 * processes (every job off unless `env` sets its schedule) pointed at both. `close()` kills the
 * processes left, stops the fake and drops the schema.
 */
export async function startPulseCluster(url: string, deals: number, fakeOptions: SlackFakeOptions = {}): Promise<PulseCluster> {
  const closers: Array<() => Promise<void>> = []
  const company = await sampleCompany(deals)
  closers.push(() => company.store.close())
  const sample = writeSampleFiles({ out: join(tempDir('pulse-cluster-'), 'deals.csv'), deals, seed: 11, asOf: AS_OF })
  const schema = `mi_${randomBytes(6).toString('hex')}`
  const store = await openStore({ path: '', url, schema })
  closers.push(async () => {
    await dropTestSchema(store.db, schema)
    await store.close()
  })
  await importCsvFile(store, { path: sample.csv, stages: DEFAULT_STAGES })
  const fake = await new SlackFake({ users: company.users, ...fakeOptions }).start()
  closers.push(() => fake.stop())
  const databaseUrl = schemaScopedUrl(url, schema)
  const baseEnv: Record<string, string> = {
    PULSE_DATABASE_URL: databaseUrl,
    SLACK_BOT_TOKEN: fake.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    SLACK_APP_TOKEN: '',
    PULSE_AS_OF: AS_OF,
    PULSE_ROSTER: company.rosterPath,
    PULSE_LOG_LEVEL: 'warn',
    PULSE_TZ: 'UTC',
    PULSE_ALERTS_SCHEDULE: NEVER,
    PULSE_SYNC_SCHEDULE: NEVER,
    PULSE_RETRAIN_SCHEDULE: NEVER,
    PULSE_ANOMALY_SCHEDULE: NEVER,
  }
  const processes: PulseProcess[] = []
  closers.push(async () => {
    for (const p of processes) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
      await p.exited
    }
  })

  const deliveries = (): Map<number, number> => {
    const out = new Map<number, number>()
    for (const m of fake.messages) {
      const id = Number(m.metadata?.event_payload?.outbox_id)
      if (Number.isFinite(id)) out.set(id, (out.get(id) ?? 0) + 1)
    }
    return out
  }

  return {
    store,
    fake,
    databaseUrl,
    baseEnv,
    async serve(env = {}) {
      const port = await freePort()
      const run = spawnPulse(['serve'], { ...baseEnv, PORT: String(port), ...env })
      processes.push(run)
      await waitFor(() => run.stderr.includes('listening on port') || run.child.exitCode !== null, 60_000, `serve to start (${run.stderr})`)
      expect(run.child.exitCode, run.stderr).toBeNull()
      return { run, pid: run.child.pid as number, url: `http://127.0.0.1:${port}` }
    },
    async pulse(args, env = {}) {
      const run = spawnPulse(args, { ...baseEnv, ...env })
      processes.push(run)
      await run.exited
      return run
    },
    deliveries,
    twice: () => [...deliveries()].filter(([, n]) => n > 1),
    async allDelivered() {
      const c = await countOutboxByStatus(store.db)
      return c.sent + c.skipped + c.failed > 0 && c.pending + c.sending === 0
    },
    runs: (job) =>
      store.db.selectFrom('job_runs').select(['run_id', 'instance', 'status', 'error']).where('job', '=', job).orderBy('run_id').execute(),
    async close() {
      for (const c of closers.splice(0).reverse()) await c().catch(() => undefined)
    },
  }
}

/** Polls `check` every 50 ms until it holds. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string | (() => Promise<string>)): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : await what()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** A cron expression (with seconds) firing once an hour at the UTC second `at` falls on. */
export function onceAt(at: Date): string {
  return `${at.getUTCSeconds()} ${at.getUTCMinutes()} * * * *`
}

/** A cluster whose two `pulse serve` were both listening before a scheduled tick (see {@link startClusterBeforeTick}). */
export interface ClusterBeforeTick {
  readonly cluster: PulseCluster
  readonly a: Instance
  readonly b: Instance
  /** The tick. */
  readonly at: Date
}

/**
 * Starts a cluster (see {@link startPulseCluster}) and two `pulse serve` on it with `envAt(at)`,
 * whose schedule has one tick at `at`; see {@link twoServingBeforeTick}.
 */
export async function startClusterBeforeTick(
  url: string,
  deals: number,
  envAt: (at: Date) => Record<string, string>,
  options: { leadMs?: number; tries?: number; fake?: SlackFakeOptions } = {},
): Promise<ClusterBeforeTick> {
  const started = await twoServingBeforeTick(
    () => startPulseCluster(url, deals, options.fake),
    (cluster, env) => cluster.serve(env),
    (cluster) => cluster.close(),
    envAt,
    options,
  )
  return { cluster: started.setup, a: started.a, b: started.b, at: started.at }
}

/**
 * Makes a setup (`start`) and two `pulse serve` on it (`serve`) with `envAt(at)`, whose schedule
 * has one tick at `at`, `leadMs` (default 18 s) after they are asked to start, and resolves once
 * both say they are listening, at least a second before the tick. Start-up takes about 4 s on a
 * quiet machine and several times that on a loaded one: when the two are not both listening by
 * then, that setup is torn down before the tick (`stop`: the processes killed, so nothing of that
 * try is left to run it) and a fresh one is made with twice the lead, up to `tries` (default 3)
 * times. A try whose instance fails to start is retried likewise; the last one's failure is thrown.
 */
export async function twoServingBeforeTick<S, I>(
  start: () => Promise<S>,
  serve: (setup: S, env: Record<string, string>) => Promise<I>,
  stop: (setup: S) => Promise<void>,
  envAt: (at: Date) => Record<string, string>,
  options: { leadMs?: number; tries?: number } = {},
): Promise<{ setup: S; a: I; b: I; at: Date }> {
  let leadMs = options.leadMs ?? 18_000
  const tries = options.tries ?? 3
  for (let attempt = 1; ; attempt++) {
    const setup = await start()
    const at = new Date(Date.now() + leadMs)
    const env = envAt(at)
    const serving = Promise.all([serve(setup, env), serve(setup, env)])
    // Both listening a second before the tick, or this try is given up on.
    const late = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), Math.max(0, at.getTime() - 1000 - Date.now())))
    let outcome: [I, I] | 'late' | Error
    try {
      outcome = await Promise.race([serving, late])
    } catch (error) {
      outcome = error instanceof Error ? error : new Error(String(error))
    }
    if (Array.isArray(outcome) && Date.now() < at.getTime() - 1000) return { setup, a: outcome[0], b: outcome[1], at }
    serving.catch(() => undefined)
    await stop(setup)
    if (attempt >= tries) {
      if (outcome instanceof Error) throw outcome
      throw new Error(`two pulse serve were not both listening within ${leadMs} ms of being started, ${tries} times`)
    }
    leadMs *= 2
  }
}
