import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { openStore } from '../../src/db/open-store.js'
import { SlackFake, waitFor } from '../fakes/slack-fake.js'
import { freePort, spawnPulse } from '../helpers/pulse-process.js'
import { tempDir } from '../helpers/test-store.js'
import { AS_OF, SIGNING_SECRET, sampleCompany } from '../slack/slack-test-app.js'
import { NEVER } from './pulse-cluster.js'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined)
})

// `pulse serve` on SQLite records itself as the store's one instance (a write) when it starts.
// A large import holds SQLite's write lock for longer than the busy timeout (5 s): serve waits for
// it instead of stopping with "the database is busy".
it('pulse serve on SQLite started while an import holds the write lock waits for it, then starts', async () => {
  const dbPath = join(tempDir('pulse-sqlite-busy-'), 'pulse.db')
  const company = await sampleCompany(200, dbPath)
  await company.store.close()
  const fake = await new SlackFake({ users: company.users }).start()
  cleanup.push(() => fake.stop())

  // Another process's import: a write transaction held for 7 s.
  const writer = await openStore({ path: dbPath })
  cleanup.push(() => writer.close())
  writer.sqlite?.exec('BEGIN IMMEDIATE')
  const released = new Promise<void>((resolve) =>
    setTimeout(() => {
      writer.sqlite?.exec('COMMIT')
      resolve()
    }, 7000),
  )

  const run = spawnPulse(['serve'], {
    PULSE_DATABASE_URL: '',
    PULSE_DB: dbPath,
    SLACK_BOT_TOKEN: fake.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    SLACK_APP_TOKEN: '',
    PORT: String(await freePort()),
    PULSE_AS_OF: AS_OF,
    PULSE_ROSTER: company.rosterPath,
    PULSE_LOG_LEVEL: 'warn',
    PULSE_ALERTS_SCHEDULE: NEVER,
    PULSE_SYNC_SCHEDULE: NEVER,
    PULSE_RETRAIN_SCHEDULE: NEVER,
    PULSE_ANOMALY_SCHEDULE: NEVER,
  })
  cleanup.push(async () => {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL')
    await run.exited
  })
  await waitFor(() => run.stderr.includes('listening on port') || run.child.exitCode !== null, 30_000, `serve to start (${run.stderr})`)
  expect(run.child.exitCode, run.stderr).toBeNull()
  await released
  run.child.kill('SIGTERM')
  expect(await run.exited, run.stderr).toBe(0)
}, 30_000)
