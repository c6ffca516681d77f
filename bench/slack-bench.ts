import { type ChildProcess, fork } from 'node:child_process'
import { copyFileSync, existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../src/config.js'
import { openStore } from '../src/db/open-store.js'
import { countOutboxByStatus } from '../src/db/slack-outbox.js'
import { silentLogger } from '../src/log/create-logger.js'
import { sampleSidePaths } from '../src/sample/write-sample-files.js'
import { loadRoster } from '../src/slack/access/load-roster.js'
import { planStalledDealDms } from '../src/slack/alerts/plan-stalled-deal-dms.js'
import { createPulseServices } from '../src/slack/app/create-pulse-services.js'
import { createSlackContext } from '../src/slack/app/create-slack-app.js'
import { drainOutbox } from '../src/slack/outbox/drain-outbox.js'
import { appHomeOpenedBody, type FakeUser, postSigned, SlackFake, slashCommandBody, waitFor } from '../test/fakes/slack-fake.js'
import type { BenchContext } from './bench-context.js'

const SECTION = 'slack'
const SECRET = 'bench-signing-secret'
const RUNS = 20
const DMS = 1000
/** Commands sent at once in the burst step. */
const BURST = 60
/** People asking at once in the second burst step. */
const BURST_PEOPLE = 40
/** Different heavy commands sent at once in the third burst step. */
const BURST_HEAVY = 40
/** Deal searches by name sent at once in the fourth burst step. */
const BURST_DEALS = 40

function p95(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  return Math.round(s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)] ?? Number.NaN)
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  return Math.round(s[Math.floor(s.length / 2)] ?? Number.NaN)
}

/**
 * Slack figures against the local fake Slack on loopback, over a copy of the 1M-deal database:
 * `/pulse winrate` from signed request to PNG uploaded (p95 <= 500 ms) and its HTTP ack (p95 <= 200 ms),
 * the acks of a burst of {@link BURST} commands sent at once (five reports in turn) and of
 * {@link BURST_PEOPLE} people each asking for their own stalled deals at once, and of
 * {@link BURST_HEAVY} different reports each filtered on two fields (none the same, so no chart is
 * drawn once for several), and of {@link BURST_DEALS} searches for deals by name (each a scan of every
 * deal's name), and the time until all are answered,
 * Home view published (p95 <= 500 ms), and 1,000 stalled-deal DMs through a fake allowing one
 * message per second per channel (429 beyond): lost and duplicated must both be 0.
 */
export async function runSlackBench(ctx: BenchContext): Promise<void> {
  const dbPath = join(ctx.workDir, 'slack-bench.db')
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${dbPath}${suffix}`, { force: true })
  // A copy: the Slack tables and outbox rows this writes must not change the shared database.
  for (const suffix of ['', '-wal', '-shm'])
    if (existsSync(`${ctx.db1m}${suffix}`)) copyFileSync(`${ctx.db1m}${suffix}`, `${dbPath}${suffix}`)
  const rosterPath = sampleSidePaths(ctx.csv.deals1m).roster
  const store = await openStore({ path: dbPath })
  const roster = loadRoster(rosterPath)
  const owners = await store.db.selectFrom('owners').select('email').orderBy('owner_id').execute()
  const emails = [
    ...new Set(
      [...owners.map((o) => o.email), ...roster.executives, ...roster.admins, ...roster.managers.keys()].filter((e): e is string => !!e),
    ),
  ]
  // Two-field filters the heavy burst combines: every command a report no other command asks for.
  const regions = (await store.db.selectFrom('deals').select('region').distinct().orderBy('region').execute()).map((r) => r.region)
  const industries = (await store.db.selectFrom('deals').select('industry').distinct().orderBy('industry').execute()).map((r) => r.industry)
  // Words of deal names to search for, each in a different name.
  const names = await store.db.selectFrom('deals').select('deal_name').orderBy('deal_id').limit(5000).execute()
  const words = [...new Set(names.flatMap((n) => String(n.deal_name ?? '').split(/\s+/)).filter((w) => /^[A-Za-z]{4,}$/.test(w)))]
  const users: FakeUser[] = emails.map((email, i) => ({ id: `UB${String(i).padStart(8, '0')}`, email }))
  const idOf = (email: string) => users.find((u) => u.email === email)?.id as string
  const fake = await new SlackFake({ users }).start()
  const logger = silentLogger()
  // The app runs in its own process, as in production: Slack (here the fake) is elsewhere.
  await store.close()
  const app = await startAppProcess(dbPath, {
    SLACK_BOT_TOKEN: fake.token,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: fake.apiUrl,
    PULSE_AS_OF: ctx.asOf,
    PULSE_ROSTER: rosterPath,
    PULSE_PUBLIC_URL: 'https://pulse.example.com',
    // The bursts below come from one person on purpose (a load, not an abuse): no per-person limit.
    PULSE_COMMANDS_PER_MINUTE: '0',
  })
  const url = app.url
  try {
    // 1. /pulse winrate, the CRO (the whole company): ack, and PNG uploaded.
    const cro = idOf([...roster.executives][0] as string)
    const acks: number[] = []
    const totals: number[] = []
    for (let i = 0; i < RUNS + 3; i++) {
      const before = fake.callsOf('files.completeUploadExternal').length
      // A different span each time, so that every chart is drawn, not taken from the charts just drawn.
      const body = slashCommandBody({ userId: cro, text: `winrate ${12 + i}`, responseUrl: fake.responseUrl() })
      const startedAt = Date.now()
      const t0 = performance.now()
      const res = await postSigned(url, SECRET, body, 'application/x-www-form-urlencoded')
      const ack = performance.now() - t0
      if (res.status !== 200) throw new Error(`/pulse winrate answered HTTP ${res.status}`)
      await waitFor(() => fake.callsOf('files.completeUploadExternal').length > before, 60_000, 'the winrate PNG')
      // When the fake received the last upload step (it stamps each call on arrival).
      const total = (fake.callsOf('files.completeUploadExternal').at(-1)?.at ?? Date.now()) - startedAt
      if (i >= 3) {
        acks.push(ack)
        totals.push(total)
      }
    }
    if (fake.pngUploads().length < RUNS) throw new Error('PNG uploads missing')
    ctx.record(SECTION, '/pulse winrate ack p95 ms', p95(acks))
    ctx.record(SECTION, '/pulse winrate to PNG uploaded p95 ms', p95(totals))
    ctx.record(SECTION, '/pulse winrate to PNG uploaded median ms', median(totals))
    ctx.log(`slack: /pulse winrate ack p95 ${p95(acks)} ms, PNG uploaded p95 ${p95(totals)} ms (median ${median(totals)})`)

    // 1b. A burst: BURST commands at once, as when a team asks in the same second. Every one must
    // be acknowledged within Slack's 3 s, however many answers are being computed.
    const kinds = ['winrate', 'funnel', 'losses', 'drivers', 'stalled']
    const answered = fake.responses.length
    const burstStarted = performance.now()
    const burstAcks = await Promise.all(
      Array.from({ length: BURST }, async (_, i) => {
        const body = slashCommandBody({ userId: cro, text: kinds[i % kinds.length] as string, responseUrl: fake.responseUrl() })
        const t0 = performance.now()
        const res = await postSigned(url, SECRET, body, 'application/x-www-form-urlencoded')
        if (res.status !== 200) throw new Error(`/pulse in a burst answered HTTP ${res.status}`)
        return performance.now() - t0
      }),
    )
    // Each command answers through its response URL: the "Working on it" note is replaced by the answer.
    await waitFor(() => fake.responses.length - answered >= BURST, 300_000, 'the answers to the burst')
    const burstSeconds = (performance.now() - burstStarted) / 1000
    ctx.record(SECTION, `burst of ${BURST} commands: ack p95 ms`, p95(burstAcks))
    ctx.record(SECTION, `burst of ${BURST} commands: slowest ack ms`, Math.round(Math.max(...burstAcks)))
    ctx.record(SECTION, `burst of ${BURST} commands: all answered s`, Number(burstSeconds.toFixed(1)))
    ctx.log(
      `slack: burst of ${BURST} commands: ack p95 ${p95(burstAcks)} ms, slowest ${Math.round(Math.max(...burstAcks))} ms, all answered in ${burstSeconds.toFixed(1)} s`,
    )

    // 1c. A burst from many people: BURST_PEOPLE different users each ask for their own stalled deals at once.
    const people = users.slice(0, BURST_PEOPLE)
    const answeredBefore = fake.responses.length
    const peopleStarted = performance.now()
    const peopleAcks = await Promise.all(
      people.map(async (user) => {
        const body = slashCommandBody({ userId: user.id, text: 'stalled', responseUrl: fake.responseUrl() })
        const t0 = performance.now()
        const res = await postSigned(url, SECRET, body, 'application/x-www-form-urlencoded')
        if (res.status !== 200) throw new Error(`/pulse stalled in a burst answered HTTP ${res.status}`)
        return performance.now() - t0
      }),
    )
    await waitFor(() => fake.responses.length - answeredBefore >= people.length, 300_000, 'the answers to the burst from many people')
    const peopleSeconds = (performance.now() - peopleStarted) / 1000
    ctx.record(SECTION, `burst of ${people.length} people: ack p95 ms`, p95(peopleAcks))
    ctx.record(SECTION, `burst of ${people.length} people: all answered s`, Number(peopleSeconds.toFixed(1)))
    ctx.log(
      `slack: burst of ${people.length} people (/pulse stalled each): ack p95 ${p95(peopleAcks)} ms, all answered in ${peopleSeconds.toFixed(1)} s`,
    )

    // 1d. A burst of different heavy commands: each report filtered on two fields (seconds of SQL
    // on a 1M-deal store each), none asked twice, so every one is computed and drawn afresh.
    const heavy = Array.from({ length: BURST_HEAVY }, (_, i) => {
      const kind = kinds[i % kinds.length] as string
      const months = kind === 'winrate' ? `${6 + (i % 19)} ` : ''
      return `${kind} ${months}region=${regions[i % regions.length]} industry=${industries[i % industries.length]}`
    })
    if (new Set(heavy).size !== heavy.length) throw new Error('the heavy burst repeats a command')
    const heavyAnswered = fake.responses.length
    const heavyStarted = performance.now()
    const heavyAcks = await Promise.all(
      heavy.map(async (text) => {
        const body = slashCommandBody({ userId: cro, text, responseUrl: fake.responseUrl() })
        const t0 = performance.now()
        const res = await postSigned(url, SECRET, body, 'application/x-www-form-urlencoded')
        if (res.status !== 200) throw new Error(`/pulse ${text} in a burst answered HTTP ${res.status}`)
        return performance.now() - t0
      }),
    )
    await waitFor(() => fake.responses.length - heavyAnswered >= heavy.length, 600_000, 'the answers to the heavy burst')
    const heavySeconds = (performance.now() - heavyStarted) / 1000
    // An answer that is an apology instead of the report would make the figures meaningless.
    const heavyFailed = fake.responses.slice(heavyAnswered).filter((r) => /went wrong|busy/i.test(String(r.body.text))).length
    if (heavyFailed > 0) throw new Error(`${heavyFailed} answers to the heavy burst were failures`)
    ctx.record(SECTION, `burst of ${heavy.length} different filtered reports: ack p95 ms`, p95(heavyAcks))
    ctx.record(SECTION, `burst of ${heavy.length} different filtered reports: slowest ack ms`, Math.round(Math.max(...heavyAcks)))
    ctx.record(SECTION, `burst of ${heavy.length} different filtered reports: all answered s`, Number(heavySeconds.toFixed(1)))
    ctx.log(
      `slack: burst of ${heavy.length} different filtered reports: ack p95 ${p95(heavyAcks)} ms, slowest ${Math.round(Math.max(...heavyAcks))} ms, all answered in ${heavySeconds.toFixed(1)} s`,
    )

    // 1e. A burst of deal searches by name: every deal's name is read for each (a word, not a deal
    // id), as when a team looks its deals up at once. Meanwhile someone else's `/pulse help` every
    // 100 ms: its ack shows how long the searches hold up every other request.
    const searches = words.slice(0, BURST_DEALS).map((w) => `deal ${w.toLowerCase()}`)
    if (searches.length < BURST_DEALS) throw new Error(`only ${searches.length} words to search deal names for`)
    // An answer whose response URL failed comes as a DM instead: both count.
    const delivered = () => fake.responses.length + fake.messages.length
    const dealsAnswered = delivered()
    const dealsStarted = performance.now()
    const dealAcks = await Promise.all(
      searches.map(async (text) => {
        const body = slashCommandBody({ userId: cro, text, responseUrl: fake.responseUrl() })
        const t0 = performance.now()
        const res = await postSigned(url, SECRET, body, 'application/x-www-form-urlencoded')
        if (res.status !== 200) throw new Error(`/pulse ${text} in a burst answered HTTP ${res.status}`)
        return performance.now() - t0
      }),
    )
    const probeAcks: number[] = []
    while (delivered() - dealsAnswered < searches.length) {
      if (performance.now() - dealsStarted > 300_000) throw new Error('Timed out waiting for the answers to the deal searches')
      const body = slashCommandBody({ userId: cro, text: 'help', responseUrl: fake.responseUrl() })
      const t0 = performance.now()
      const res = await postSigned(url, SECRET, body, 'application/x-www-form-urlencoded')
      if (res.status !== 200) throw new Error(`/pulse help during the deal searches answered HTTP ${res.status}`)
      probeAcks.push(performance.now() - t0)
      await new Promise((r) => setTimeout(r, 100))
    }
    const dealsSeconds = (performance.now() - dealsStarted) / 1000
    const dealsFailed = fake.responses.slice(dealsAnswered).filter((r) => /went wrong|busy/i.test(String(r.body.text))).length
    if (dealsFailed > 0) throw new Error(`${dealsFailed} answers to the deal searches were failures`)
    const probeMax = Math.round(Math.max(0, ...probeAcks))
    ctx.record(SECTION, `burst of ${searches.length} deal searches by name: ack p95 ms`, p95(dealAcks))
    ctx.record(SECTION, `burst of ${searches.length} deal searches by name: another request's ack, slowest ms`, probeMax)
    ctx.record(SECTION, `burst of ${searches.length} deal searches by name: all answered s`, Number(dealsSeconds.toFixed(1)))
    ctx.log(
      `slack: burst of ${searches.length} deal searches by name: ack p95 ${p95(dealAcks)} ms, /pulse help meanwhile acked within ${probeMax} ms (${probeAcks.length} sent), all answered in ${dealsSeconds.toFixed(1)} s`,
    )

    // 2. Home views: snapshots precomputed as after a sync, then app_home_opened per role.
    const manager = [...roster.managers.keys()][0] as string
    const rep = [...(roster.managers.get(manager) ?? [])][0] as string
    const viewers = [cro, idOf(manager), idOf(rep)]
    for (const user of viewers) {
      // First opening of each: recorded, so the refresh below republishes it.
      const before = fake.views.length
      await postSigned(url, SECRET, appHomeOpenedBody(user), 'application/json')
      await waitFor(() => fake.views.length > before, 300_000, 'views.publish')
    }
    const refresh = (await app.ask({ cmd: 'refresh' })) as { ms: number }
    ctx.record(SECTION, 'Home refresh after sync s', Number((refresh.ms / 1000).toFixed(2)))
    const homes: number[] = []
    for (let i = 0; i < RUNS + 3; i++) {
      const user = viewers[i % viewers.length] as string
      const before = fake.views.length
      const t0 = performance.now()
      await postSigned(url, SECRET, appHomeOpenedBody(user), 'application/json')
      await waitFor(() => fake.views.length > before, 30_000, 'views.publish')
      if (i >= 3) homes.push(performance.now() - t0)
      const blocks = fake.views.at(-1)?.view.blocks.length ?? 0
      if (blocks > 100) throw new Error(`Home view with ${blocks} blocks`)
    }
    ctx.record(SECTION, 'Home view published p95 ms', p95(homes))
    ctx.log(`slack: Home view published p95 ${p95(homes)} ms (refresh after sync ${(refresh.ms / 1000).toFixed(1)} s)`)
  } finally {
    await app.stop()
    await fake.stop()
  }

  // 3. 1,000 stalled-deal DMs through a fake that allows 1 message/s per channel (429 beyond).
  const dmStore = await openStore({ path: dbPath })
  const strict = await new SlackFake({ users, perChannelIntervalMs: 1000 }).start()
  try {
    const dmConfig = loadConfig({
      SLACK_BOT_TOKEN: strict.token,
      SLACK_API_URL: strict.apiUrl,
      PULSE_AS_OF: ctx.asOf,
      PULSE_ROSTER: rosterPath,
    })
    const base = createPulseServices({ store: dmStore, config: dmConfig, logger })
    // The 1,000 largest stalled deals (the 1M sample has more).
    const services = {
      ...base,
      stalled: (db: typeof store.db, q: Parameters<typeof base.stalled>[1]) => base.stalled(db, { ...q, limit: DMS }),
    }
    const dmCtx = createSlackContext({ store: dmStore, config: dmConfig, logger, roster, services, retries: 0 })
    const plan = await planStalledDealDms(dmCtx, { asOf: ctx.asOf })
    const perOwner = new Map<string, number>()
    for (const a of plan.alerts) perOwner.set(a.ownerEmail ?? '', (perOwner.get(a.ownerEmail ?? '') ?? 0) + 1)
    const owners1k = perOwner.size
    const busiest = Math.max(...perOwner.values())
    // On top of the per-channel limit, a burst of 429s (Retry-After: 1) the drain must sit out.
    strict.rateLimitNext('chat.postMessage', 25)
    strict.rateLimitNext('conversations.open', 5)
    const t0 = performance.now()
    const drain = await drainOutbox(dmCtx)
    const seconds = (performance.now() - t0) / 1000
    const byOutbox = new Map<number, number>()
    for (const m of strict.messages) {
      const id = Number(m.metadata?.event_payload?.outbox_id)
      if (Number.isFinite(id)) byOutbox.set(id, (byOutbox.get(id) ?? 0) + 1)
    }
    const status = await countOutboxByStatus(dmStore.db)
    const duplicated = [...byOutbox.values()].filter((n) => n > 1).length
    const lost = plan.alerts.length - byOutbox.size - status.skipped
    ctx.record(SECTION, 'DMs queued', plan.alerts.length)
    ctx.record(SECTION, 'DM owners (channels)', owners1k)
    ctx.record(SECTION, 'DMs to the busiest owner (floor: that many seconds)', busiest)
    ctx.record(SECTION, 'DMs delivered', byOutbox.size)
    ctx.record(SECTION, 'DMs lost', lost)
    ctx.record(SECTION, 'DMs duplicated', duplicated)
    ctx.record(SECTION, 'DM 429s answered', strict.calls.filter((c) => c.status === 429).length)
    ctx.record(SECTION, 'DM drain s', Number(seconds.toFixed(1)))
    ctx.log(
      `slack: ${plan.alerts.length} DMs to ${owners1k} owners (busiest ${busiest}) in ${seconds.toFixed(1)} s: delivered ${byOutbox.size}, lost ${lost}, duplicated ${duplicated}, 429s waited out ${drain.rateLimited}`,
    )
  } finally {
    await strict.stop()
    await dmStore.close()
  }
}

/** Forks `slack-app-child` (compiled `.js`, or `.ts` through tsx) and starts the app in it. */
async function startAppProcess(db: string, env: Record<string, string>) {
  const here = import.meta.url
  const ts = here.endsWith('.ts')
  const child: ChildProcess = fork(new URL(`./slack-app-child.${ts ? 'ts' : 'js'}`, here), [], {
    execArgv: ts ? ['--import', 'tsx'] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const ask = (m: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the Slack app process exited (${code})`))
      child.once('exit', onExit)
      child.once('message', (reply) => {
        child.off('exit', onExit)
        const error = (reply as { error?: string }).error
        if (error) reject(new Error(error))
        else resolve(reply)
      })
      child.send(m as object)
    })
  const { url } = (await ask({ cmd: 'start', db, env })) as { url: string }
  return { url, ask, stop: () => ask({ cmd: 'stop' }).catch(() => undefined) }
}
