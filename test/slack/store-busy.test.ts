import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appHomeOpenedBody, blockActionBody, postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { tempDir } from '../helpers/test-store.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

const PUBLIC_URL = 'https://pulse.example.com'

// Another process writing to the store (a `pulse ingest` of a large file) holds SQLite's write
// lock for many seconds; better-sqlite3 waits for it synchronously, stopping the whole app.
// Waiting for the lock would take at least the 5 s busy timeout: the time limits below stay
// under it, with room for a busy machine running other tests beside this one.
const WITHOUT_WAITING_MS = 4500
describe('Slack app while another process writes to the store', () => {
  let t: SlackTestApp
  let other: SqliteDatabase.Database
  beforeAll(async () => {
    const path = join(tempDir('pulse-busy-'), 'pulse.db')
    t = await startSlackTestApp({ company: await sampleCompany(1500, path), env: { PULSE_PUBLIC_URL: PUBLIC_URL } })
    other = new SqliteDatabase(path)
    other.exec('BEGIN IMMEDIATE')
  })
  afterAll(async () => {
    if (other.inTransaction) other.exec('ROLLBACK')
    other.close()
    await t.close()
  })

  async function openHome(userId: string): Promise<{ text: string; ms: number; images: number; ackMs: number }> {
    const n = t.fake.views.length
    const started = Date.now()
    const home = await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(userId), 'application/json')
    expect(home.status).toBe(200)
    // Someone else's command arriving meanwhile is acknowledged well within Slack's 3 seconds.
    const ackStarted = Date.now()
    const command = slashCommandBody({ userId: PEOPLE.stranger, text: 'help', responseUrl: t.fake.responseUrl() })
    const ack = await postSigned(t.url, SIGNING_SECRET, command, 'application/x-www-form-urlencoded')
    const ackMs = Date.now() - ackStarted
    expect(ack.status).toBe(200)
    await waitFor(() => t.fake.views.length > n, 20_000, 'views.publish')
    const ms = Date.now() - started
    // Give a late second publish (an error view replacing this one) the time to show up.
    await new Promise((r) => setTimeout(r, 300))
    const views = t.fake.views.slice(n).filter((v) => v.userId === userId)
    expect(views).toHaveLength(1)
    const blocks = views[0]?.view.blocks ?? []
    return { text: JSON.stringify(blocks), ms, images: blocks.filter((b) => (b as { type: string }).type === 'image').length, ackMs }
  }

  it("publishes a rep's Home at once, without waiting for the lock or replacing it with an error", async () => {
    const { text, ms, ackMs } = await openHome(PEOPLE.rep)
    expect(text).toContain('your deals')
    expect(text).not.toContain('went wrong')
    expect(ms).toBeLessThan(WITHOUT_WAITING_MS)
    expect(ackMs).toBeLessThan(2500) // within Slack's 3 s
  })

  it('answers a Snooze click at once that the database is busy, and snoozes once the lock is gone', async () => {
    const own = await t.company.store.db
      .selectFrom('deals')
      .innerJoin('owners', 'owners.owner_id', 'deals.owner_id')
      .select('deals.deal_id')
      .where('owners.email', '=', t.company.emails.rep)
      .where('deals.outcome', '=', 'open')
      .executeTakeFirstOrThrow()
    const click = async () => {
      const responseUrl = t.fake.responseUrl()
      const id = responseUrl.split('/').at(-1) as string
      const started = Date.now()
      const body = blockActionBody({ userId: PEOPLE.rep, actionId: 'pulse_snooze_7d', value: own.deal_id, responseUrl })
      expect((await postSigned(t.url, SIGNING_SECRET, body, 'application/x-www-form-urlencoded')).status).toBe(200)
      await waitFor(() => t.fake.responses.some((r) => r.id === id), 20_000, 'the click answer')
      return { text: String(t.fake.responses.find((r) => r.id === id)?.body.text), ms: Date.now() - started }
    }
    const busy = await click()
    expect(busy.text).toMatch(/^The database is busy/)
    expect(busy.ms).toBeLessThan(WITHOUT_WAITING_MS)
    other.exec('ROLLBACK')
    expect((await click()).text).toMatch(/^Snoozed until/)
    other.exec('BEGIN IMMEDIATE')
  })

  it("publishes an executive's figures without the charts it could not store, then with them once the lock is gone", async () => {
    const busy = await openHome(PEOPLE.cro)
    expect(busy.text).toContain('Open pipeline')
    expect(busy.text).not.toContain('went wrong')
    expect(busy.images).toBe(0)
    expect(busy.ms).toBeLessThan(WITHOUT_WAITING_MS)
    other.exec('ROLLBACK')
    const free = await openHome(PEOPLE.cro)
    expect(free.images).toBeGreaterThan(0)
  })
})
