import { join } from 'node:path'
import { expect, it } from 'vitest'
import { beginJobRun, finishJobRun, recordSkippedJobRun } from '../../src/db/begin-job-run.js'
import { openStore } from '../../src/db/open-store.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

const at = (hhmm: string) => new Date(`2026-11-27T${hhmm}:00Z`)
const failure = 'HubSpot did not accept HUBSPOT_TOKEN. Set HUBSPOT_TOKEN to a valid private-app token.'

it("pulse status keeps each job's last run and unresolved failure in sight however many ticks other instances skipped", async () => {
  const db = join(tempDir(), 'p.db')
  const store = await openStore({ path: db })
  try {
    const d = store.db
    // 09:00: the stalled alerts fail on instance b; retrain failed, then succeeded; sync failed, then was cut off.
    await finishJobRun(d, await beginJobRun(d, 'retrain', 'host-a:1', at('08:00')), {
      status: 'failed',
      now: at('08:01'),
      error: 'no data',
    })
    await finishJobRun(d, await beginJobRun(d, 'retrain', 'host-a:1', at('08:30')), { status: 'done', now: at('08:31') })
    await finishJobRun(d, await beginJobRun(d, 'stalled-alerts', 'host-b:2', at('09:00')), {
      status: 'failed',
      now: at('09:01'),
      error: failure,
    })
    await finishJobRun(d, await beginJobRun(d, 'sync', 'host-a:1', at('09:15')), { status: 'failed', now: at('09:16'), error: failure })
    await finishJobRun(d, await beginJobRun(d, 'sync', 'host-a:1', at('09:30')), {
      status: 'interrupted',
      now: at('09:31'),
      error: 'stopped',
    })
    // The afternoon: two other instances record every tick they left to the one that ran it.
    for (let i = 0; i < 24; i++)
      await recordSkippedJobRun(
        d,
        'sync',
        `host-${i % 2 ? 'b:2' : 'c:3'}`,
        'another instance ran this tick',
        at(`1${i % 10}:${String(i * 2).padStart(2, '0')}`),
      )
  } finally {
    await store.close()
  }
  const json = await runCli('status', '--db', db, '--json')
  expect(json.code, json.stderr).toBe(0)
  const status = JSON.parse(json.stdout)
  // The raw list is still the latest 10 rows, all skipped ticks now.
  expect(status.recentJobs).toHaveLength(10)
  expect(status.recentJobs.every((j: { status: string }) => j.status === 'skipped')).toBe(true)
  const brief = status.lastJobRuns.map(
    (j: { job: string; lastRun: { status: string; started_at: string }; lastFailure: { started_at: string; error: string } | null }) => ({
      job: j.job,
      last: `${j.lastRun.status} ${j.lastRun.started_at}`,
      failed: j.lastFailure && `${j.lastFailure.started_at} ${j.lastFailure.error}`,
    }),
  )
  expect(brief).toEqual([
    { job: 'retrain', last: `done ${at('08:30').toISOString()}`, failed: null },
    { job: 'stalled-alerts', last: `failed ${at('09:00').toISOString()}`, failed: `${at('09:00').toISOString()} ${failure}` },
    { job: 'sync', last: `interrupted ${at('09:30').toISOString()}`, failed: `${at('09:15').toISOString()} ${failure}` },
  ])
  const text = await runCli('status', '--db', db)
  expect(text.code, text.stderr).toBe(0)
  const lines = text.stdout.split('\n')
  const from = lines.indexOf('Last run of each job (skipped ticks aside):')
  expect(from).toBeGreaterThan(0)
  expect(lines.slice(from + 1, from + 5)).toEqual([
    expect.stringMatching(/^ {2}2026-11-27 08:30 UTC\s+retrain\s+done\s+host-a:1$/),
    expect.stringMatching(/^ {2}2026-11-27 09:00 UTC\s+stalled-alerts\s+failed\s+host-b:2: HubSpot did not accept/),
    expect.stringMatching(/^ {2}2026-11-27 09:30 UTC\s+sync\s+interrupted host-a:1: stopped$/),
    `    last failed 2026-11-27 09:15 UTC on host-a:1, no success since: ${failure}`,
  ])
})
