import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isRollupStale } from '../../src/db/is-rollup-stale.js'
import { REFUSAL_UNKNOWN } from '../../src/slack/access/authorize.js'
import { appHomeOpenedBody, postSigned, SlackFake, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { freePort, spawnPulse } from '../helpers/pulse-process.js'
import { tempDir } from '../helpers/test-store.js'
import { AS_OF, PEOPLE, type SampleCompany, SIGNING_SECRET, sampleCompany } from './slack-test-app.js'

/** `pulse serve` on `db` in a child process, with `env` on top of this one's. */
function spawnServe(db: string, env: Record<string, string>) {
  return spawnPulse(['serve', '--db', db], { SLACK_APP_TOKEN: '', PULSE_LOG_LEVEL: 'warn', ...env })
}

describe('pulse serve', () => {
  let fake: SlackFake
  let company: SampleCompany
  let db: string
  beforeAll(async () => {
    db = join(tempDir('pulse-serve-'), 'pulse.db')
    company = await sampleCompany(2500, db)
    await company.store.close()
    fake = await new SlackFake({ users: company.users }).start()
  })
  afterAll(async () => {
    await fake.stop()
  })

  it('stops at start with a sentence naming SLACK_BOT_TOKEN, never the token, and exit code 1, when Slack refuses the token', async () => {
    const serve = spawnServe(db, {
      SLACK_BOT_TOKEN: 'xoxb-revoked-0042',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: String(await freePort()),
      PULSE_ROSTER: company.rosterPath,
    })
    expect(await serve.exited).toBe(1)
    expect(serve.stderr).toContain('Slack refused SLACK_BOT_TOKEN (auth.test: invalid_auth).')
    expect(serve.stderr).not.toContain('xoxb-revoked')
    expect(serve.stderr).not.toContain('listening on port')
  }, 30_000)

  it('stops at start saying Slack is failing on its side, not only to check SLACK_API_URL, when auth.test answers HTTP 503', async () => {
    fake.failNextHttp('auth.test', 503, 10)
    const serve = spawnServe(db, {
      SLACK_BOT_TOKEN: fake.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: String(await freePort()),
      PULSE_ROSTER: company.rosterPath,
    })
    try {
      expect(await serve.exited).toBe(1)
      expect(serve.stderr).toContain('answered auth.test with HTTP 503: Slack is failing on its side, usually for a few minutes')
      expect(serve.stderr).not.toContain('listening on port')
    } finally {
      fake.resetFailures()
    }
  }, 30_000)

  it('stops at start with a sentence naming the port when another program listens on it', async () => {
    const other = createServer()
    await new Promise<void>((resolve) => other.listen(0, resolve))
    const port = (other.address() as AddressInfo).port
    try {
      const serve = spawnServe(db, {
        SLACK_BOT_TOKEN: fake.token,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fake.apiUrl,
        PORT: String(port),
      })
      expect(await serve.exited).toBe(1)
      expect(serve.stderr).toContain(`Port ${port} is already in use by another program. Stop it, or set PORT to a free port.`)
      expect(serve.stderr).not.toContain('Something went wrong')
    } finally {
      other.close()
    }
  }, 30_000)

  it('says --db does not apply when PULSE_DATABASE_URL is set, naming the server without its password', async () => {
    const serve = spawnServe(db, {
      PULSE_DATABASE_URL: 'postgres://pulse:s3cret@127.0.0.1:1/pulse',
      SLACK_BOT_TOKEN: fake.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
    })
    expect(await serve.exited).toBe(1)
    expect(serve.stderr).toContain(`--db ${db} does not apply: PULSE_DATABASE_URL is set, so this uses PostgreSQL at 127.0.0.1:1/pulse.`)
    expect(serve.stderr).not.toContain('s3cret')
  }, 30_000)

  it('runs the Slack app with the jobs in one process, answers signed requests, and stops on SIGTERM', async () => {
    const port = await freePort()
    const serve = spawnServe(db, {
      SLACK_BOT_TOKEN: fake.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: String(port),
      PULSE_AS_OF: AS_OF,
      PULSE_ROSTER: company.rosterPath,
    })
    try {
      await waitFor(() => serve.stderr.includes('listening on port'), 30_000, `serve to start (${serve.stderr})`)
      const url = `http://127.0.0.1:${port}`
      const help = await postSigned(
        url,
        SIGNING_SECRET,
        slashCommandBody({ userId: PEOPLE.cro, text: 'help', responseUrl: fake.responseUrl() }),
        'application/x-www-form-urlencoded',
      )
      expect(help.status).toBe(200)
      expect(help.text).toContain('/pulse winrate')
      const before = fake.views.length
      await postSigned(url, SIGNING_SECRET, appHomeOpenedBody(PEOPLE.manager), 'application/json')
      await waitFor(() => fake.views.length > before, 20_000, 'views.publish')
      // A report with its chart, computed on the app's worker threads.
      const responseUrl = fake.responseUrl()
      const id = responseUrl.split('/').pop() as string
      const pngs = fake.pngUploads().length
      const winrate = slashCommandBody({ userId: PEOPLE.cro, text: 'winrate 9', responseUrl })
      expect((await postSigned(url, SIGNING_SECRET, winrate, 'application/x-www-form-urlencoded')).status).toBe(200)
      await waitFor(() => fake.responses.some((r) => r.id === id), 20_000, 'the /pulse winrate answer')
      expect(String(fake.responses.find((r) => r.id === id)?.body.text)).toContain('Win rate')
      expect(fake.pngUploads().length).toBe(pngs + 1)
      expect(serve.stderr).not.toContain(fake.token)
      expect(serve.stderr).not.toContain('No roster is set')
    } finally {
      serve.child.kill('SIGTERM')
    }
    // Those threads are stopped with the app: none keeps the process alive.
    const stopping = Date.now()
    expect(await serve.exited).toBe(0)
    expect(Date.now() - stopping).toBeLessThan(15_000)
    expect(serve.stderr).toContain('Stopping')
  }, 60_000)

  it('with PORT=0 listens on a free port the system picks and names that port on stderr, where a harness reads it', async () => {
    const serve = spawnServe(db, {
      SLACK_BOT_TOKEN: fake.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: '0',
      PULSE_AS_OF: AS_OF,
      PULSE_ROSTER: company.rosterPath,
    })
    try {
      await waitFor(
        () => /listening on port \d+/.test(serve.stderr) || serve.child.exitCode !== null,
        30_000,
        `serve to start (${serve.stderr})`,
      )
      const port = Number(/listening on port (\d+) \(POST \/slack\/events\)/.exec(serve.stderr)?.[1])
      expect(port, serve.stderr).toBeGreaterThan(0)
      const help = await postSigned(
        `http://127.0.0.1:${port}`,
        SIGNING_SECRET,
        slashCommandBody({ userId: PEOPLE.cro, text: 'help', responseUrl: fake.responseUrl() }),
        'application/x-www-form-urlencoded',
      )
      expect(help.status).toBe(200)
      expect(help.text).toContain('/pulse winrate')
    } finally {
      serve.child.kill('SIGTERM')
    }
    expect(await serve.exited).toBe(0)
  }, 60_000)

  it('republishes the opened Home tabs when the roster file changes: an executive taken off it no longer sees company figures', async () => {
    const rosterPath = join(tempDir('pulse-roster-'), 'roster.yml')
    const original = readFileSync(company.rosterPath, 'utf8')
    writeFileSync(rosterPath, original)
    const port = await freePort()
    const serve = spawnServe(db, {
      SLACK_BOT_TOKEN: fake.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: String(port),
      PULSE_AS_OF: AS_OF,
      PULSE_ROSTER: rosterPath,
    })
    const homeOfCro = () => fake.views.filter((v) => v.userId === PEOPLE.cro).map((v) => JSON.stringify(v.view.blocks))
    try {
      await waitFor(() => serve.stderr.includes('listening on port'), 30_000, `serve to start (${serve.stderr})`)
      const before = homeOfCro().length
      await postSigned(`http://127.0.0.1:${port}`, SIGNING_SECRET, appHomeOpenedBody(PEOPLE.cro), 'application/json')
      await waitFor(() => homeOfCro().length > before, 20_000, "the CRO's Home")
      expect(homeOfCro().at(-1)).toContain('Open pipeline')
      const opened = homeOfCro().length
      // Nobody asks anything meanwhile: the edit alone is enough.
      writeFileSync(rosterPath, original.replace(/^executives:.*$/m, 'executives: []'))
      await waitFor(() => homeOfCro().length > opened, 20_000, "the CRO's Home republished after the roster edit")
      expect(homeOfCro().at(-1)).toContain(REFUSAL_UNKNOWN)
      expect(homeOfCro().at(-1)).not.toContain('Open pipeline')
    } finally {
      serve.child.kill('SIGTERM')
    }
    expect(await serve.exited).toBe(0)
  }, 60_000)

  it('rebuilds report summaries left out of date (a sync cut short, an upgrade) when it starts', async () => {
    const path = join(tempDir('pulse-serve-stale-'), 'pulse.db')
    const stale = await sampleCompany(800, path)
    // New data the summaries were not built from, as a stored sync page leaves it.
    await stale.store.db.updateTable('meta').set({ value: 'after-the-summaries' }).where('key', '=', 'data_version').execute()
    expect(await isRollupStale(stale.store.db)).toBe(true)
    const serve = spawnServe(path, {
      SLACK_BOT_TOKEN: fake.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: String(await freePort()),
      PULSE_AS_OF: AS_OF,
      PULSE_ROSTER: stale.rosterPath,
    })
    let rebuilt = false
    let poll: Promise<void> | undefined
    try {
      await waitFor(() => serve.stderr.includes('listening on port'), 30_000, `serve to start (${serve.stderr})`)
      await waitFor(
        () => {
          // One look at a time, awaited before the store closes: a look left running would read a closed store.
          poll ??= isRollupStale(stale.store.db)
            .then((s) => {
              rebuilt = !s
            })
            .finally(() => {
              poll = undefined
            })
          return rebuilt
        },
        30_000,
        'the report summaries to be rebuilt',
      )
    } finally {
      serve.child.kill('SIGTERM')
      await poll
      await stale.store.close()
    }
    expect(await serve.exited).toBe(0)
  }, 60_000)

  it('says at start when no roster is set, as nobody then sees company figures or may sync', async () => {
    const serve = spawnServe(db, {
      SLACK_BOT_TOKEN: fake.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: String(await freePort()),
      PULSE_ROSTER: '',
    })
    try {
      await waitFor(() => serve.stderr.includes('No roster is set'), 30_000, `the roster note (${serve.stderr})`)
      expect(serve.stderr).toContain('No roster is set (PULSE_ROSTER), so everyone sees only the deals they own')
    } finally {
      serve.child.kill('SIGTERM')
    }
    expect(await serve.exited).toBe(0)
  }, 60_000)
})
