import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { SlackFake, waitFor } from '../fakes/slack-fake.js'
import { tempDir } from '../helpers/test-store.js'
import { sampleCompany } from '../slack/slack-test-app.js'
import { spawnSqliteServe } from './spawn-sqlite-serve.js'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined)
})

// SQLite serves one `pulse serve` by design (docs/multi-instance.md): its outbox claims have no
// lease there, so a second process on the same file would take over (and send again) the DMs the
// first one is sending. A second `pulse serve` on the same file is refused with the way out.
it('a second pulse serve on the same SQLite file is refused, naming PostgreSQL; a killed or stopped one does not block a restart', async () => {
  const dbPath = join(tempDir('pulse-sqlite-two-'), 'pulse.db')
  const company = await sampleCompany(200, dbPath)
  await company.store.close()
  const fake = await new SlackFake({ users: company.users }).start()
  cleanup.push(() => fake.stop())

  const serve = () => spawnSqliteServe({ dbPath, fake, rosterPath: company.rosterPath, cleanup })

  const first = await serve()
  expect(first.child.exitCode, first.stderr).toBeNull()

  const second = await serve()
  await waitFor(() => second.child.exitCode !== null, 15_000, 'the second serve to be refused').catch(() => undefined)
  expect(second.child.exitCode, second.stderr).toBe(1)
  expect(second.stderr).toMatch(/Another `pulse serve` .* is running on this SQLite database/)
  expect(second.stderr).toContain(`:${first.child.pid}`)
  expect(second.stderr).toContain('PULSE_DATABASE_URL')
  expect(first.child.exitCode).toBeNull()

  // Killed (no chance to give the database back): a restart on this machine starts at once.
  first.child.kill('SIGKILL')
  await first.exited
  const restarted = await serve()
  expect(restarted.child.exitCode, restarted.stderr).toBeNull()

  // Stopped gracefully: it gives the database back, the next one starts.
  restarted.child.kill('SIGTERM')
  expect(await restarted.exited, restarted.stderr).toBe(0)
  const next = await serve()
  expect(next.child.exitCode, next.stderr).toBeNull()
  next.child.kill('SIGTERM')
  expect(await next.exited, next.stderr).toBe(0)
}, 60_000)
