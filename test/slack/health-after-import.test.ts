import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { scoreDealsAsOf } from '../../src/services/score-deals-as-of.js'
import { appHomeOpenedBody, postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { tempDir } from '../helpers/test-store.js'
import { AS_OF, PEOPLE, SIGNING_SECRET, type SlackTestApp, startScoredSlackTestApp } from './slack-test-app.js'

// `pulse score` ran this morning; a CSV import this afternoon brings a call on one of the rep's
// stalled deals. An import does not score, so the stored score still counts the quiet spell.

const FORM = 'application/x-www-form-urlencoded'

type Block = { type: string; text?: { text: string }; elements?: Array<{ text: string }> }

describe('deal health in Slack after a CSV import that changed a deal scored earlier the same day', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startScoredSlackTestApp()
  }, 60_000)
  afterAll(async () => {
    await t.close()
    await t.company.store.close()
  })

  async function openHome(): Promise<Block[]> {
    const n = t.fake.views.length
    await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(PEOPLE.rep), 'application/json')
    await waitFor(() => t.fake.views.slice(n).some((v) => v.userId === PEOPLE.rep), 20_000, 'views.publish')
    return t.fake.views.slice(n).find((v) => v.userId === PEOPLE.rep)?.view.blocks as Block[]
  }

  /** The line of the deal named `name` and the reasons under it. */
  function lineOf(blocks: Block[], name: string): { line: string; reasons: string } {
    const i = blocks.findIndex((b) => b.type === 'section' && (b.text?.text ?? '').startsWith(`*${name}*`))
    expect(i, `${name} on the Home tab`).toBeGreaterThanOrEqual(0)
    const next = blocks[i + 1]
    return { line: blocks[i]?.text?.text ?? '', reasons: next?.type === 'context' ? (next.elements?.[0]?.text ?? '') : '' }
  }

  it('scores the deal again: on the Home tab and in /pulse deal, its health and reasons follow the new activity', async () => {
    const db = t.company.store.db
    const deal = await db
      .selectFrom('deals')
      .innerJoin('owners', 'owners.owner_id', 'deals.owner_id')
      .selectAll('deals')
      .where('owners.email', '=', t.company.emails.rep)
      .where('deals.outcome', '=', 'open')
      .where('deals.last_activity_date', '<', '2024-07-01')
      .orderBy('deals.last_activity_date')
      .limit(1)
      .executeTakeFirstOrThrow()
    const name = deal.deal_name as string
    expect(lineOf(await openHome(), name).reasons).toMatch(/No activity for \d+ days/)

    // The same deal, exported again with a call today.
    const header =
      'deal_id,deal_name,created_date,closed_date,sales_rep_id,owner_email,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,updated_date'
    const row = [
      deal.deal_id,
      name,
      deal.created_date,
      '',
      deal.owner_id,
      t.company.emails.rep,
      deal.industry,
      deal.region,
      deal.product_type,
      deal.lead_source,
      deal.stage,
      deal.amount,
      'Open',
      AS_OF,
      AS_OF,
    ]
    const csv = join(tempDir('pulse-reimport-'), 'changed.csv')
    writeFileSync(csv, `${header}\n${row.map((v) => `"${String(v).replace(/"/g, '""')}"`).join(',')}\n`)
    expect((await importCsvFile(t.company.store, { path: csv, stages: DEFAULT_STAGES })).updated).toBe(1)

    const { line, reasons } = lineOf(await openHome(), name)
    expect(line).toMatch(/idle 0 days/)
    expect(reasons).not.toMatch(/No activity for/)
    const [fresh] = await scoreDealsAsOf(db, [deal.deal_id], { asOf: AS_OF, idleDays: 14 })
    expect(line).toContain(`health *${fresh?.healthScore}/100*`)

    // `/pulse deal` states the same health as the Home tab (and `pulse deal`).
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    await postSigned(t.url, SIGNING_SECRET, slashCommandBody({ userId: PEOPLE.rep, text: `deal ${deal.deal_id}`, responseUrl }), FORM)
    await waitFor(() => t.fake.responses.some((r) => r.id === id && r.body.blocks !== undefined), 20_000, 'the answer to /pulse deal')
    const answer = JSON.stringify(t.fake.responses.find((r) => r.id === id && r.body.blocks !== undefined)?.body)
    expect(answer).toContain(`*Health*\\n${fresh?.healthScore}/100`)
    expect(answer).not.toMatch(/No activity for/)
  }, 60_000)
})
