import type { SlackFake } from '../fakes/slack-fake.js'
import { waitFor } from '../fakes/slack-fake.js'
import { freePort, type PulseProcess, spawnPulse } from '../helpers/pulse-process.js'
import { AS_OF, SIGNING_SECRET } from '../slack/slack-test-app.js'
import { NEVER } from './pulse-cluster.js'

/** Where a SQLite `pulse serve` of a test runs: its file, the fake Slack and roster, and the test's clean-up list. */
export interface SqliteServeSetup {
  readonly dbPath: string
  readonly fake: SlackFake
  readonly rosterPath: string
  /** The test's clean-up list: the process is killed (if still running) and awaited there. */
  readonly cleanup: Array<() => Promise<void>>
}

/**
 * Starts `pulse serve` on the SQLite file of `setup` (every job off unless `env` sets its
 * schedule) and resolves once its stderr says `until` (by default, that it listens) or it has
 * exited; the caller asserts which.
 */
export async function spawnSqliteServe(
  setup: SqliteServeSetup,
  env: Record<string, string> = {},
  startMs = 60_000,
  until = 'listening on port',
): Promise<PulseProcess> {
  const run = spawnPulse(['serve'], {
    PULSE_DATABASE_URL: '',
    PULSE_DB: setup.dbPath,
    SLACK_BOT_TOKEN: setup.fake.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: setup.fake.apiUrl,
    SLACK_APP_TOKEN: '',
    PORT: String(await freePort()),
    PULSE_AS_OF: AS_OF,
    PULSE_ROSTER: setup.rosterPath,
    PULSE_LOG_LEVEL: 'warn',
    PULSE_ALERTS_SCHEDULE: NEVER,
    PULSE_SYNC_SCHEDULE: NEVER,
    PULSE_RETRAIN_SCHEDULE: NEVER,
    PULSE_ANOMALY_SCHEDULE: NEVER,
    ...env,
  })
  setup.cleanup.push(async () => {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL')
    await run.exited
  })
  await waitFor(() => run.stderr.includes(until) || run.child.exitCode !== null, startMs, `serve to say "${until}" (${run.stderr})`)
  return run
}
