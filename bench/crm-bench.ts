import { type ChildProcess, fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { SegmentMapping } from '../src/config.js'
import { createHubspotSource } from '../src/crm/hubspot/hubspot-source.js'
import { createSalesforceSource } from '../src/crm/salesforce/salesforce-source.js'
import { openStore, type Store } from '../src/db/open-store.js'
import { syncCrm } from '../src/ingest/sync-crm.js'
import { generateHubspotDeals, startHubspotFake } from '../test/fakes/hubspot-fake.js'
import { generateOpportunities, startSalesforceFake } from '../test/fakes/salesforce-fake.js'
import type { BenchContext } from './bench-context.js'
import type { FakeCommand } from './crm-fake-process.js'

const CHANGED = 50_000
const ALREADY = 1_000
const SEED = 42
const HS_SEGMENTS: SegmentMapping = { region: 'region', industry: 'industry', productType: 'dealtype', leadSource: 'hs_analytics_source' }
const SF_SEGMENTS: SegmentMapping = {
  region: 'Account.BillingCountry',
  industry: 'Account.Industry',
  productType: 'Type',
  leadSource: 'LeadSource',
}

/**
 * CRM sync benchmark: a 50,000-deal incremental sync from a fake HubSpot that enforces 5 search
 * requests a second and 190 other requests per 10 s (429 beyond), and from a fake Salesforce at
 * 2,000 records a page that enforces 5 requests a second (403 REQUEST_LIMIT_EXCEEDED beyond).
 * Each fake runs in its own process, as a remote CRM would. The store first holds 1,000 deals
 * from an earlier sync (same generator, same seed, so they are the first 1,000 of the 51,000).
 * Records throughput against what the limit allows, 429s, and lost or duplicated deals.
 */
export async function runCrmBench(ctx: BenchContext, only?: 'hubspot' | 'salesforce'): Promise<void> {
  if (only !== 'salesforce') await hubspotBench(ctx)
  if (only !== 'hubspot') await salesforceBench(ctx)
}

async function hubspotBench(ctx: BenchContext): Promise<void> {
  const store = await openStore({ path: freshDb(ctx, 'crm-bench-hubspot.db') })
  try {
    // The earlier sync: 1,000 deals, from a fake without limits.
    const small = await startHubspotFake({ deals: generateHubspotDeals(ALREADY, { seed: SEED }) })
    await syncCrm(
      store,
      createHubspotSource({
        token: small.token,
        baseUrl: small.url,
        segments: HS_SEGMENTS,
        limits: { searchPerSecond: 100, burstPerTenSeconds: 1000 },
      }),
    )
    await small.close()

    const fake = await startFakeProcess({
      cmd: 'start-hubspot',
      count: ALREADY + CHANGED,
      seed: SEED,
      searchPerSecond: 5,
      burstPerTenSeconds: 190,
    })
    ctx.log(`hubspot: fake with ${ALREADY + CHANGED} deals at ${fake.url}, 5 searches/s, 190 requests/10 s`)
    const source = createHubspotSource({
      token: fake.secret,
      baseUrl: fake.url,
      segments: HS_SEGMENTS,
      limits: { searchPerSecond: 5, burstPerTenSeconds: 190 },
    })
    const run = await timedSync(
      ctx,
      'hubspot',
      store,
      source,
      fake,
      generateHubspotDeals(ALREADY + CHANGED, { seed: SEED }).map((d) => d.id),
    )
    const allowed = 5 * 200
    recordSync(ctx, 'hubspot', run, allowed, 'deals/s allowed by 5 searches/s x 200')
    ctx.record('crm', 'hubspot requests (search + batch read + other)', run.stats.requests)
    ctx.record('crm', 'hubspot 429s (search / burst)', `${run.stats.limitedSearch} / ${run.stats.limitedBurst}`)
    ctx.record('crm', 'hubspot 429s answered twice in a row', source.api.stats.rateLimitedTwice)
    ctx.record('crm', 'hubspot deals read twice', run.stats.batchReads - run.stats.distinctBatchReads)
    recordVerdict(ctx, 'hubspot', run, allowed, source.api.stats.rateLimitedTwice, '>= 80% of allowed, no double 429, none lost')
  } finally {
    await store.close()
  }
}

async function salesforceBench(ctx: BenchContext): Promise<void> {
  const store = await openStore({ path: freshDb(ctx, 'crm-bench-salesforce.db') })
  try {
    const small = await startSalesforceFake({ opportunities: generateOpportunities(ALREADY, { seed: SEED }) })
    await syncCrm(
      store,
      createSalesforceSource({
        url: small.url,
        clientId: small.clientId,
        clientSecret: small.clientSecret,
        segments: SF_SEGMENTS,
        requestsPerSecond: 100,
      }),
    )
    await small.close()

    const fake = await startFakeProcess({
      cmd: 'start-salesforce',
      count: ALREADY + CHANGED,
      seed: SEED,
      requestsPerSecond: 5,
      batchSize: 2000,
      segments: SF_SEGMENTS,
    })
    ctx.log(`salesforce: fake with ${ALREADY + CHANGED} opportunities at ${fake.url}, 2,000 a page, 5 requests/s`)
    const source = createSalesforceSource({
      url: fake.url,
      clientId: '3MVG9fake.client.id',
      clientSecret: fake.secret,
      segments: SF_SEGMENTS,
      requestsPerSecond: 5,
    })
    const run = await timedSync(
      ctx,
      'salesforce',
      store,
      source,
      fake,
      generateOpportunities(ALREADY + CHANGED, { seed: SEED }).map((o) => o.Id),
    )
    const allowed = 5 * 2000
    recordSync(ctx, 'salesforce', run, allowed, 'deals/s allowed by 5 requests/s x 2,000')
    ctx.record('crm', 'salesforce requests', run.stats.requests)
    ctx.record('crm', 'salesforce limit refusals', run.stats.limited)
    ctx.record('crm', 'salesforce refusals answered twice in a row', source.api.stats.rateLimitedTwice)
    recordVerdict(ctx, 'salesforce', run, allowed, source.api.stats.rateLimitedTwice, '>= 80% of allowed, no double refusal, none lost')
  } finally {
    await store.close()
  }
}

/** One timed incremental sync against a fake in its own process, and what it left in the store. */
interface SyncRun {
  deals: number
  seconds: number
  cpuSeconds: number
  rate: number
  stats: FakeStats
  check: { missing: number; unexpected: number }
}

/** Runs the sync (progress to the log), reads the fake's counters, closes it and checks the stored ids against `ids`. */
async function timedSync(
  ctx: BenchContext,
  name: string,
  store: Store,
  source: Parameters<typeof syncCrm>[1],
  fake: Awaited<ReturnType<typeof startFakeProcess>>,
  ids: readonly string[],
): Promise<SyncRun> {
  const started = performance.now()
  const cpu = process.cpuUsage()
  const summary = await syncCrm(store, source, { onProgress: progress(ctx, name) })
  const seconds = (performance.now() - started) / 1000
  const cpuSeconds = cpuOf(cpu)
  const stats = (await fake.ask({ cmd: 'stats' })) as FakeStats
  await fake.close()
  return { deals: summary.deals, seconds, cpuSeconds, rate: CHANGED / seconds, stats, check: await checkDeals(store, ids) }
}

/** The figures both CRMs report: deals, time, CPU, load, throughput against what the limit allows, lost and unexpected deals. */
function recordSync(ctx: BenchContext, name: string, run: SyncRun, allowed: number, allowedLabel: string): void {
  ctx.record('crm', `${name} incremental deals`, run.deals)
  ctx.record('crm', `${name} seconds`, round(run.seconds, 2))
  ctx.record('crm', `${name} sync process CPU seconds`, round(run.cpuSeconds, 1))
  ctx.record('crm', `${name} machine load average (1 min)`, round(loadavg()[0] ?? 0, 1))
  ctx.record('crm', `${name} deals/s`, round(run.rate, 0))
  ctx.record('crm', `${name} ${allowedLabel}`, allowed)
  ctx.record('crm', `${name} share of allowed throughput`, round(run.rate / allowed, 3))
  ctx.record('crm', `${name} deals lost`, run.check.missing)
  ctx.record('crm', `${name} deals unexpected`, run.check.unexpected)
}

/** The acceptance line: at least 80% of the allowed throughput, no limit refusal answered twice, every changed deal stored. */
function recordVerdict(ctx: BenchContext, name: string, run: SyncRun, allowed: number, refusedTwice: number, label: string): void {
  ctx.record('crm', `${name} ${label}`, run.rate / allowed >= 0.8 && refusedTwice === 0 && run.check.missing === 0 && run.deals === CHANGED)
}

interface FakeStats {
  requests: number
  limited: number
  limitedSearch: number
  limitedBurst: number
  batchReads: number
  distinctBatchReads: number
}

/** Every expected id stored once (the table's key makes twice impossible), and nothing else. */
async function checkDeals(store: Store, ids: readonly string[]): Promise<{ missing: number; unexpected: number }> {
  const stored = new Set((await store.db.selectFrom('deals').select('deal_id').execute()).map((r) => r.deal_id))
  const wanted = new Set(ids)
  return { missing: ids.filter((id) => !stored.has(id)).length, unexpected: [...stored].filter((id) => !wanted.has(id)).length }
}

function progress(ctx: BenchContext, name: string) {
  let last = 0
  return (_note: string, totals: { pages: number; deals: number }) => {
    if (totals.deals - last >= 10_000) {
      last = totals.deals
      ctx.log(`${name}: ${totals.deals} deals stored over ${totals.pages} pages`)
    }
  }
}

/** Forks `crm-fake-process` (compiled `.js`, or `.ts` through tsx) and starts a fake in it. */
async function startFakeProcess(start: FakeCommand) {
  const here = import.meta.url
  const ts = here.endsWith('.ts')
  const script = new URL(`./crm-fake-process.${ts ? 'ts' : 'js'}`, here)
  const child: ChildProcess = fork(script, [], { execArgv: ts ? ['--import', 'tsx'] : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const ask = (m: FakeCommand) =>
    new Promise<unknown>((resolve, reject) => {
      child.once('message', resolve)
      child.once('exit', (code) => reject(new Error(`the fake CRM process exited (${code})`)))
      child.send(m)
    })
  const { url, secret } = (await ask(start)) as { url: string; secret: string }
  return {
    url,
    secret,
    ask,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.send({ cmd: 'close' })
      }),
  }
}

/** A database path in the work folder with any earlier run's file removed (it would already hold the deals). */
function freshDb(ctx: BenchContext, name: string): string {
  const path = join(ctx.workDir, name)
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true })
  return path
}

function cpuOf(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1e6
}

function round(n: number, digits: number): number {
  return Number(n.toFixed(digits))
}

// `node --import tsx bench/crm-bench.ts [hubspot|salesforce]` runs this section alone.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows: string[] = []
  await runCrmBench(
    {
      workDir: mkdtempSync(join(tmpdir(), 'crm-bench-')),
      csv: { deals10k: '', deals100k: '', deals1m: '' },
      db1m: '',
      asOf: new Date().toISOString().slice(0, 10),
      record: (section, name, value) => rows.push(`${section}\t${name}\t${value}`),
      log: (message) => process.stderr.write(`${message}\n`),
    },
    process.argv[2] as 'hubspot' | 'salesforce' | undefined,
  )
  process.stdout.write(`${rows.join('\n')}\n`)
}
