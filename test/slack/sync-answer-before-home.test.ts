import { afterAll, beforeAll, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { createPulseServices } from '../../src/slack/app/create-pulse-services.js'
import { appHomeOpenedBody, postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { AS_OF, PEOPLE, type SampleCompany, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

/** How late the slow Slack answers each Home view. */
const SLOW_VIEW_MS = 8000

let company: SampleCompany
let t: SlackTestApp
beforeAll(async () => {
  company = await sampleCompany(600)
  const config = loadConfig({ PULSE_AS_OF: AS_OF, PULSE_ROSTER: company.rosterPath })
  const base = createPulseServices({ store: company.store, config, logger: silentLogger() })
  // The CRM side of the sync is not what this test is about: it answers at once.
  t = await startSlackTestApp({ company, services: { ...base, sync: async () => 'Synced 3 deals from hubspot (incremental, 0.1 s).' } })
}, 60_000)
afterAll(async () => {
  await t?.close()
  await company?.store.close()
})

// Slack takes about 100 Home views a minute: republishing every opened tab can take minutes in a
// large workspace, and the admin who typed /pulse sync should not wait for it.
it('answers /pulse sync with what came in before the Home tabs are republished, then republishes them', async () => {
  await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(PEOPLE.admin), 'application/json')
  await waitFor(() => t.fake.views.some((v) => v.userId === PEOPLE.admin), 20_000, 'the admin Home view')
  const views = t.fake.views.length
  t.fake.delayNext('views.publish', SLOW_VIEW_MS)
  const responseUrl = t.fake.responseUrl()
  const id = responseUrl.split('/').pop() as string
  const sent = Date.now()
  const res = await postSigned(
    t.url,
    SIGNING_SECRET,
    slashCommandBody({ userId: PEOPLE.admin, text: 'sync', responseUrl }),
    'application/x-www-form-urlencoded',
  )
  expect(res.status).toBe(200)
  await waitFor(() => t.fake.responses.some((r) => r.id === id), 20_000, 'the /pulse sync answer')
  expect(Date.now() - sent).toBeLessThan(SLOW_VIEW_MS)
  expect(String(t.fake.responses.find((r) => r.id === id)?.body.text)).toBe(
    'Synced 3 deals from hubspot (incremental, 0.1 s). The Home tabs are being refreshed.',
  )
  // The republished tab follows.
  await waitFor(() => t.fake.views.length > views, 20_000, 'the Home tab republished')
  expect(t.fake.views.at(-1)?.userId).toBe(PEOPLE.admin)
}, 60_000)
