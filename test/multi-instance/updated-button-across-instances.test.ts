import { afterEach, describe, expect, it } from 'vitest'
import { countOutboxByStatus } from '../../src/db/slack-outbox.js'
import { blockActionBody, postSigned, waitFor } from '../fakes/slack-fake.js'
import { SIGNING_SECRET } from '../slack/slack-test-app.js'
import { type PulseCluster, pidOf, startPulseCluster, until } from './pulse-cluster.js'

const pgUrl = process.env.PULSE_TEST_DATABASE_URL

let cluster: PulseCluster | undefined
afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

describe.skipIf(!pgUrl)('a DM button pressed on one pulse serve, the stall scan on another (PostgreSQL)', () => {
  it('"Updated in CRM" clicked on instance A ends the episode and quiets the deal for the stall scans of instance B', async () => {
    cluster = await startPulseCluster(pgUrl as string, 1500)
    const c = cluster
    // A serves Slack's requests only; B runs the stalled-deal scan every second.
    const a = await c.serve()
    const b = await c.serve({ PULSE_ALERTS_SCHEDULE: '* * * * * *' })
    await until(c.allDelivered, 60_000, async () => `every DM to be delivered: ${JSON.stringify(await countOutboxByStatus(c.store.db))}`)
    const dm = await c.store.db
      .selectFrom('slack_outbox')
      .select(['deal_id', 'slack_user_id', 'channel_id'])
      .where('kind', '=', 'stall_dm')
      .where('status', '=', 'sent')
      .orderBy('outbox_id')
      .executeTakeFirstOrThrow()
    const dealId = dm.deal_id as string
    const rowsOfDeal = () => c.store.db.selectFrom('slack_outbox').select('outbox_id').where('deal_id', '=', dealId).execute()
    expect(await rowsOfDeal()).toHaveLength(1)

    const responses = c.fake.responses.length
    const press = await postSigned(
      a.url,
      SIGNING_SECRET,
      blockActionBody({
        userId: dm.slack_user_id as string,
        actionId: 'pulse_updated_in_crm',
        value: dealId,
        responseUrl: c.fake.responseUrl(),
        channelId: dm.channel_id as string,
      }),
      'application/x-www-form-urlencoded',
    )
    expect(press.status).toBe(200)
    await waitFor(() => c.fake.responses.length > responses, 15_000, 'the button to be answered')
    expect(JSON.stringify(c.fake.responses.at(-1)?.body)).toContain('marked as updated')
    const pressedAt =
      (
        await c.store.db
          .selectFrom('job_runs')
          .select((eb) => eb.fn.max('run_id').as('id'))
          .executeTakeFirst()
      )?.id ?? 0

    // B's next scans see the deal still stalled in the data, yet send its owner nothing new.
    await until(
      async () => {
        const done = await c.store.db
          .selectFrom('job_runs')
          .select(['instance'])
          .where('job', '=', 'stalled-alerts')
          .where('status', '=', 'done')
          .where('run_id', '>', Number(pressedAt))
          .execute()
        return done.filter((r) => pidOf(r.instance) === b.pid).length >= 2
      },
      30_000,
      "two of B's scans after the click",
    )
    const episodes = await c.store.db
      .selectFrom('slack_stall_episodes')
      .select(['episode_id', 'ended_on', 'end_reason'])
      .where('deal_id', '=', dealId)
      .orderBy('episode_id')
      .execute()
    expect(episodes[0]?.end_reason).toBe('owner_updated')
    expect(await rowsOfDeal()).toHaveLength(1)
    expect(c.twice()).toEqual([])

    for (const i of [a, b]) i.run.child.kill('SIGTERM')
    for (const i of [a, b]) expect(await i.run.exited, i.run.stderr.slice(-2000)).toBe(0)
  }, 90_000)
})
