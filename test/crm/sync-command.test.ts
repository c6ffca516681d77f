import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatSyncSummary } from '../../src/cli/commands/run-sync-command.js'
import { acquireJobLock, findJobLock, releaseJobLock } from '../../src/db/acquire-job-lock.js'
import { beginSyncRun, findRecentSyncRuns } from '../../src/db/begin-sync-run.js'
import { openStore } from '../../src/db/open-store.js'
import { generateHubspotDeals, type HubspotFake, startHubspotFake } from '../fakes/hubspot-fake.js'
import { spawnPulse } from '../helpers/pulse-process.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

let fake: HubspotFake
beforeAll(async () => {
  fake = await startHubspotFake({ deals: generateHubspotDeals(300, { seed: 31 }) })
  // The CLI reads its configuration once per process, from the environment.
  process.env.HUBSPOT_TOKEN = fake.token
  process.env.HUBSPOT_API_URL = fake.url
  process.env.SALESFORCE_URL = ''
})
afterAll(async () => {
  await fake.close()
})

describe('pulse sync and pulse status', () => {
  it('syncs the configured CRM with progress on stderr and a summary on stdout, then shows it in status', async () => {
    const db = join(tempDir(), 'pulse.db')
    const run = await runCli('sync', '--db', db)
    expect(run.code).toBe(0)
    expect(run.stderr).toContain('Syncing from HubSpot')
    expect(run.stdout).toMatch(/^Synced HubSpot \(incremental\) in [\d.]+ s: 300 deals stored, 0 removed/)
    expect(run.stderr).toContain('Report summaries rebuilt.')

    const json = await runCli('sync', '--db', db, '--json', '--full')
    expect(JSON.parse(json.stdout)).toMatchObject({ source: 'hubspot', mode: 'full', deals: 300 })

    const status = await runCli('status', '--db', db, '--json')
    const parsed = JSON.parse(status.stdout)
    expect(parsed.deals.total).toBe(300)
    expect(parsed.lastSyncs).toHaveLength(1)
    expect(parsed.lastSyncs[0]).toMatchObject({ source: 'hubspot', status: 'done', mode: 'full', deals: 300, errors: 0 })
    const text = await runCli('status', '--db', db)
    expect(text.stdout).toContain('Data: 300 deals (hubspot 300)')
    expect(text.stdout).toMatch(/hubspot +done .*, full, \d+ pages?, 300 deals, 0 removed, 0 errors$/m)
  })

  it('tells on stderr, in words, when the CRM makes it wait or retry', async () => {
    const db = join(tempDir(), 'pulse.db')
    fake.failNext(
      { path: '/crm/v3/objects/deals/search' },
      { status: 502, body: { status: 'error', message: 'Bad Gateway', correlationId: 'c-502' } },
      1,
    )
    const run = await runCli('sync', '--db', db)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toMatch(/ {2}CRM server error \(HTTP 502, POST \/crm\/v3\/objects\/deals\/search\): retrying in \d+ (ms|s)\./)
    expect(run.stderr).not.toContain('"level"')
    expect(run.stderr).not.toContain(fake.token)
  })

  it('names the variables to set for an unconfigured CRM, and refuses an unknown one', async () => {
    const db = join(tempDir(), 'pulse.db')
    // Written as people write it, the CRM is still known: the answer is about its settings.
    for (const name of ['salesforce', 'Salesforce']) {
      const sf = await runCli('sync', '--db', db, '--source', name)
      expect(sf.code).toBe(1)
      expect(sf.stderr).toContain('SALESFORCE_URL, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET')
    }
    const other = await runCli('sync', '--db', db, '--source', 'pipedrive')
    expect(other.code).toBe(1)
    expect(other.stderr).toContain('--source hubspot or --source salesforce')
    expect(existsSync(db), 'a refused sync leaves no database behind').toBe(false)
  })

  it('refuses a HUBSPOT_TOKEN with a line break or "Bearer " in it, naming the variable, without asking HubSpot', async () => {
    const db = join(tempDir(), 'pulse.db')
    const before = fake.requests.length
    // In child processes: the configuration is read once per process.
    for (const bad of [`${fake.token.slice(0, 6)}\n${fake.token.slice(6)}`, `Bearer ${fake.token}`, `\u201c${fake.token}\u201d`]) {
      const run = spawnPulse(['sync', '--db', db], { HUBSPOT_TOKEN: bad })
      expect(await run.exited).toBe(1)
      expect(run.stderr).toContain(
        'HUBSPOT_TOKEN has a space, a line break, a control character or a character outside ASCII (a curly quote?) in it',
      )
      expect(run.stderr).not.toContain('did not answer')
      expect(run.output).not.toContain(fake.token.slice(6))
    }
    expect(fake.requests.length, 'no request reaches HubSpot').toBe(before)
    expect(existsSync(db), 'a refused sync leaves no database behind').toBe(false)
  })

  it('syncs one pipeline with HUBSPOT_PIPELINE, saying so, and names the pipelines when it names none', async () => {
    const db = join(tempDir(), 'pulse.db')
    const one = spawnPulse(['sync', '--db', db], { HUBSPOT_PIPELINE: 'default' })
    expect(await one.exited, one.stderr).toBe(0)
    expect(one.stdout).toMatch(
      /^Synced HubSpot \(incremental, pipeline "default" only\) in [\d.]+ s: 300 deals stored, 0 removed \(archived or deleted, or in another pipeline\)/,
    )
    const wrong = spawnPulse(['sync', '--db', db], { HUBSPOT_PIPELINE: 'Renewals' })
    expect(await wrong.exited).toBe(1)
    expect(wrong.stderr).toContain(
      'HUBSPOT_PIPELINE "Renewals" names no deal pipeline of this HubSpot account. Its pipelines: Sales Pipeline (default).',
    )
  })

  it('ends the summary with each note of the sync, on a line of its own', () => {
    const summary = {
      runId: 3,
      source: 'hubspot',
      mode: 'incremental',
      pages: 2,
      deals: 40,
      removed: 0,
      owners: 5,
      stages: 8,
      rejected: 0,
      seconds: 1.25,
    } as const
    const plain = formatSyncSummary(summary)
    expect(plain).not.toContain('Note:')
    const noted = formatSyncSummary({ ...summary, notes: ['Deals come from 2 pipelines ("A", "B"): set HUBSPOT_PIPELINE.'] })
    expect(noted).toBe(`${plain}\nNote: Deals come from 2 pipelines ("A", "B"): set HUBSPOT_PIPELINE.`)
  })

  it('does not start while another sync holds the lock', async () => {
    const db = join(tempDir(), 'pulse.db')
    const store = await openStore({ path: db })
    await acquireJobLock(store.db, 'sync', 'scheduler#1', 60_000, new Date())
    await store.close()
    const run = await runCli('sync', '--db', db)
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('A sync is already running')
  })

  it('Ctrl-C keeps what is stored, gives the sync lock back, and the next pulse sync resumes at once', async () => {
    const db = join(tempDir(), 'pulse.db')
    const sync = spawnPulse(['sync', '--db', db])
    const { child } = sync
    // One Ctrl-C: a second one while the first is handled would be a forced quit.
    let interrupted = false
    fake.onRequest = (_m, path) => {
      if (path === '/crm/v3/objects/deals/search' && !interrupted) {
        interrupted = true
        child.kill('SIGINT')
      }
    }
    try {
      expect(await sync.exited, sync.stderr).toBe(130)
      expect(sync.stderr).toContain('Sync interrupted')
    } finally {
      fake.onRequest = undefined
    }
    const store = await openStore({ path: db })
    try {
      expect(await findJobLock(store.db, 'sync')).toBeNull()
      // pulse status shows the run as stopped, not as still running.
      const [stopped] = await findRecentSyncRuns(store.db, 1)
      expect(stopped?.status).toBe('interrupted')
      expect(stopped?.finished_at).not.toBeNull()
      expect(stopped?.error_message).toMatch(/^Stopped by Ctrl-C \(SIGINT\) after [\d,]+ pages? \([\d,]+ deals?\)/)
    } finally {
      await store.close()
    }
    // Stopped, not failed: its line says so without counting an error.
    const shown = (await runCli('status', '--db', db)).stdout
    expect(shown).toMatch(/hubspot +interrupted .* removed: Stopped by Ctrl-C \(SIGINT\)/)
    expect(shown).not.toMatch(/interrupted .*\d errors?/)
    const run = await runCli('sync', '--db', db)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/300 deals stored/)
  })

  it('pulse status shows a pulse sync killed outright (SIGKILL) as interrupted, and one still going on as running', async () => {
    const db = join(tempDir(), 'pulse.db')
    const sync = spawnPulse(['sync', '--db', db])
    let killed = false
    fake.onRequest = (_m, path) => {
      if (path === '/crm/v3/objects/deals/batch/read' && !killed) {
        killed = true
        sync.child.kill('SIGKILL')
      }
    }
    try {
      await sync.exited
    } finally {
      fake.onRequest = undefined
    }
    // The killed process could not record its end: its run row still says running.
    const store = await openStore({ path: db })
    expect((await findRecentSyncRuns(store.db, 1))[0]?.status).toBe('running')
    const shown = (await runCli('status', '--db', db)).stdout
    expect(shown).toMatch(/hubspot +interrupted .*: The process running this sync stopped before it finished/)
    expect(JSON.parse((await runCli('status', '--db', db, '--json')).stdout).lastSyncs[0].status).toBe('interrupted')
    // A sync whose process is alive and holds the lock is going on.
    try {
      const held = await findJobLock(store.db, 'sync')
      if (held) await releaseJobLock(store.db, 'sync', held.holder)
      await acquireJobLock(store.db, 'sync', `cli:${hostname()}:${process.pid}`, 60_000, new Date())
      await beginSyncRun(store.db, { source: 'hubspot', mode: 'incremental', startedBy: 'cli', now: new Date() })
    } finally {
      await store.close()
    }
    expect((await runCli('status', '--db', db)).stdout).toMatch(/hubspot +running /)
  })

  it('takes over the lock of a pulse sync on this machine that was killed, but not of a live one', async () => {
    const db = join(tempDir(), 'pulse.db')
    const gone = spawn(process.execPath, ['-e', ''])
    await new Promise((resolve) => gone.on('exit', resolve))
    const store = await openStore({ path: db })
    await acquireJobLock(store.db, 'sync', `cli:${hostname()}:${gone.pid}`, 60_000, new Date())
    await store.close()
    const run = await runCli('sync', '--db', db)
    expect(run.code, run.stderr).toBe(0)

    const again = await openStore({ path: db })
    await acquireJobLock(again.db, 'sync', `cli:${hostname()}:${process.ppid}`, 60_000, new Date())
    await again.close()
    const refused = await runCli('sync', '--db', db)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(
      `A sync is already running (the scheduler or another \`pulse sync\`, held by cli:${hostname()}:${process.ppid} until`,
    )
  })
})
