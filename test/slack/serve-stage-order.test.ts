import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/db/open-store.js'
import { findStageOrder } from '../../src/db/save-stage-order.js'
import { SlackFake, waitFor } from '../fakes/slack-fake.js'
import { freePort, spawnPulse } from '../helpers/pulse-process.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'
import { SIGNING_SECRET } from './slack-test-app.js'

const CSV = [
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome',
  'D1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Open',
  'D2,2024-01-02,2024-03-01,rep_1,SaaS,EMEA,Core,Inbound,Proposal,300,Lost',
  '',
].join('\n')

describe('pulse serve started after PULSE_STAGES changed, with no import since', () => {
  let fake: SlackFake
  beforeAll(async () => {
    fake = await new SlackFake().start()
  })
  afterAll(async () => {
    await fake.stop()
  })

  it('saves the new order as it starts, so Slack and the jobs use it as pulse report does, and says which order is in use and why', async () => {
    const db = join(tempDir('pulse-serve-stages-'), 'pulse.db')
    expect((await runCli('ingest', '--csv', writeTempFile('d.csv', CSV), '--db', db)).code).toBe(0)
    const serve = spawnPulse(['serve', '--db', db], {
      SLACK_APP_TOKEN: '',
      PULSE_LOG_LEVEL: 'warn',
      SLACK_BOT_TOKEN: fake.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: String(await freePort()),
      PULSE_STAGES: 'Qualified,Discovery,Demo,Proposal,Closed',
    })
    try {
      await waitFor(() => serve.stderr.includes('listening on port'), 30_000, `serve to start (${serve.stderr})`)
      await waitFor(() => serve.stderr.includes('Stage order:'), 5_000, `the stage order line (${serve.stderr})`)
      expect(serve.stderr).toContain(
        'Stage order: Qualified, Discovery, Demo, Proposal, Closed (PULSE_STAGES, saved now in place of the order the last import or start saved).',
      )
    } finally {
      serve.child.kill('SIGTERM')
    }
    expect(await serve.exited).toBe(0)
    const store = await openStore({ path: db })
    try {
      expect((await findStageOrder(store.db)).map((s) => s.name)).toEqual(['Qualified', 'Discovery', 'Demo', 'Proposal', 'Closed'])
    } finally {
      await store.close()
    }
  }, 60_000)
})
