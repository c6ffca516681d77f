import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { appHomeOpenedBody, postSigned, waitFor } from '../fakes/slack-fake.js'
import { tempDir } from '../helpers/test-store.js'
import { AS_OF, PEOPLE, SIGNING_SECRET, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

describe('two quick Home opens', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp()
  })
  afterAll(async () => {
    await t.close()
  })

  it('leave the newer view on the tab when Slack is slow to take the first', async () => {
    const open = () => postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(PEOPLE.rep), 'application/json')
    const sent = () => t.fake.callsOf('views.publish').filter((c) => c.params.user_id === PEOPLE.rep).length
    const taken = () => t.fake.views.filter((v) => v.userId === PEOPLE.rep)
    // Slack takes the first view only 1.5 s after it is sent.
    t.fake.delayNext('views.publish', 1500)
    await open()
    await waitFor(() => sent() === 1, 10_000, 'the first views.publish')

    // Meanwhile an import brings the rep a new open deal, and the rep opens Home again.
    const { owner_id: ownerId } = await t.company.store.db
      .selectFrom('owners')
      .select('owner_id')
      .where('email', '=', t.company.emails.rep)
      .executeTakeFirstOrThrow()
    const csv = join(tempDir('pulse-home-order-'), 'new.csv')
    writeFileSync(
      csv,
      'deal_id,deal_name,created_date,sales_rep_id,owner_email,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date\n' +
        `NEW-ORDER-1,Fresh Order Deal,${AS_OF},${ownerId},${t.company.emails.rep},SaaS,EMEA,Pro,Inbound,Qualified,9000000,Open,${AS_OF}\n`,
    )
    await importCsvFile(t.company.store, { path: csv, stages: DEFAULT_STAGES })
    await open()

    await waitFor(() => taken().length === 2, 10_000, 'both views taken')
    // The view Slack took last, which the tab shows, is the one with the new deal.
    expect(JSON.stringify(taken().at(-1)?.view.blocks)).toContain('Fresh Order Deal')
  })
})
