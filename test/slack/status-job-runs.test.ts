import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { beginJobRun, finishJobRun, recordSkippedJobRun } from '../../src/db/begin-job-run.js'
import { retrainModel } from '../../src/services/retrain-model.js'
import { postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { AS_OF, PEOPLE, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

// With several instances, ticks skipped by the others fill the recent job runs: `/pulse status`
// shows admins each job's last real run and its failure not yet followed by a success.

const FAILURE = 'HubSpot refused the token (401). Set a valid HUBSPOT_TOKEN.'

describe('/pulse status and the last run of each job', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp({ company: await sampleCompany(120) })
    const db = t.company.store.db
    const at = (m: number) => new Date(Date.UTC(2026, 10, 27, 8, m))
    const done = await beginJobRun(db, 'retrain', 'host-a:1', at(0))
    await finishJobRun(db, done, { status: 'done', now: at(1) })
    const failed = await beginJobRun(db, 'sync', 'host-a:1', at(2))
    await finishJobRun(db, failed, { status: 'failed', now: at(3), error: FAILURE, alerted: true })
    for (let i = 0; i < 15; i++) await recordSkippedJobRun(db, 'sync', 'host-b:2', 'another instance holds the lock', at(10 + i))
  })
  afterAll(async () => {
    await t.close()
  })

  async function ask(userId: string): Promise<string> {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const body = slashCommandBody({ userId, text: 'status', responseUrl })
    expect((await postSigned(t.url, SIGNING_SECRET, body, 'application/x-www-form-urlencoded')).status).toBe(200)
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 10_000, 'the answer')
    return JSON.stringify(t.fake.responses.find((r) => r.id === id)?.body)
  }

  it('shows an admin the failed sync that skipped ticks pushed out of the recent runs, and the last retrain', async () => {
    const answer = await ask(PEOPLE.admin)
    expect(answer).toContain('Sales Pulse status')
    expect(answer).toContain('*Jobs*')
    expect(answer).toContain(`sync: failed 2026-11-27 08:02 UTC: ${FAILURE}`)
    expect(answer).toContain('retrain: done 2026-11-27 08:00 UTC')
    expect(answer).not.toContain('another instance holds the lock')
  })

  it('says when the model was trained as the job times are said, in UTC (not a bare UTC date, a day off where PULSE_TZ is far from it)', async () => {
    // The Monday 03:00 retrain in Auckland: still Sunday in UTC.
    await retrainModel(t.company.store, { asOf: AS_OF, staleDays: 30, now: new Date('2026-11-29T14:00:00Z') })
    const answer = await ask(PEOPLE.cro)
    expect(answer).toContain('trained 2026-11-29 14:00 UTC;')
  })

  it('shows the job runs to no one but admins', async () => {
    for (const who of [PEOPLE.cro, PEOPLE.manager, PEOPLE.rep]) {
      const answer = await ask(who)
      expect(answer).toContain('Sales Pulse status')
      expect(answer).not.toContain('*Jobs*')
      expect(answer).not.toContain('HUBSPOT_TOKEN')
    }
  })
})
