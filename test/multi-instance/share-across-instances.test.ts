import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, expect, it } from 'vitest'
import type { SlackApp } from '../../src/slack/app/create-slack-app.js'
import { blockActionBody, postSigned, waitFor } from '../fakes/slack-fake.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { anotherInstance, PEOPLE, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from '../slack/slack-test-app.js'

const FORM = 'application/x-www-form-urlencoded'

describeEachDialect('Share in channel with two app instances behind one request URL', (dialect) => {
  let t: SlackTestApp
  let second: SlackApp
  let secondUrl: string
  beforeEach(async () => {
    t = await startSlackTestApp({ company: await sampleCompany(1500, undefined, await dialect.open()) })
    // Another instance on the same store and the same Slack app.
    second = anotherInstance(t)
    const server = (await second.start(0)) as Server
    secondUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterEach(async () => {
    await second.stop()
    await t.close()
    await t.company.store.close()
  })

  // One click on the button of the private answer `messageTs`, delivered to the instance at `url`.
  const click = async (url: string, channel: string, messageTs: string) => {
    const responseUrl = t.fake.responseUrl()
    const form = new URLSearchParams(
      blockActionBody({
        userId: PEOPLE.cro,
        actionId: 'pulse_share_in_channel',
        value: JSON.stringify({ t: 'losses', c: channel }),
        responseUrl,
      }),
    )
    const payload = JSON.parse(form.get('payload') as string) as { container: Record<string, unknown> }
    payload.container = { ...payload.container, message_ts: messageTs, is_ephemeral: true }
    const res = await postSigned(url, SIGNING_SECRET, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), FORM)
    expect(res.status).toBe(200)
    return responseUrl.split('/').pop() as string
  }

  it('a double click whose two clicks reach two instances posts the answer once; after a refused share, a click on either shares it', async () => {
    const channel = 'C0TWOINST1'
    const shared = () => t.fake.messages.filter((m) => m.channel === channel).length
    await Promise.all([click(t.url, channel, '1700000300.000100'), click(secondUrl, channel, '1700000300.000100')])
    await waitFor(() => shared() === 1, 20_000, 'the shared post')
    await click(secondUrl, channel, '1700000300.000100')
    await new Promise((r) => setTimeout(r, 1000))
    expect(shared()).toBe(1)

    // Refused on one instance (the app not yet invited): the other instance shares it on the next click.
    t.fake.failNext('files.completeUploadExternal', 'not_in_channel')
    // Slack slow to take the refusal: the claim must be given back before it is sent, not after.
    t.fake.delayNext('response_url', 1500)
    const refused = await click(t.url, channel, '1700000400.000100')
    await waitFor(() => t.fake.responses.some((r) => r.id === refused && JSON.stringify(r.body).includes('/invite')), 20_000, 'the refusal')
    // The refused share's claim was given back before the asker was told: only the first share's remains.
    expect(await t.company.store.db.selectFrom('slack_share_claims').select('share_key').execute()).toHaveLength(1)
    await click(secondUrl, channel, '1700000400.000100')
    await waitFor(() => shared() === 2, 20_000, 'the shared post after the invite')
  })
})
