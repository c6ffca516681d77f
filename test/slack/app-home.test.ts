import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findHomeViewUsers } from '../../src/db/slack-home.js'
import { context } from '../../src/slack/blocks/block-kit.js'
import { fitBlocks } from '../../src/slack/home/build-home-view.js'
import { refreshHomeTabs } from '../../src/slack/home/refresh-home-tabs.js'
import { appHomeOpenedBody, postSigned, waitFor } from '../fakes/slack-fake.js'
import { openHomeRecorded, PEOPLE, SIGNING_SECRET, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

const PUBLIC_URL = 'https://pulse.example.com'

describe('App Home', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp({ env: { PULSE_PUBLIC_URL: PUBLIC_URL } })
  })
  afterAll(async () => {
    await t.close()
  })

  async function openHome(userId: string) {
    const published = await openHomeRecorded(t, userId)
    expect(published?.userId).toBe(userId)
    const blocks = published?.view.blocks ?? []
    expect(blocks.length).toBeLessThanOrEqual(100)
    return { blocks, text: JSON.stringify(blocks) }
  }

  it('shows an executive company KPIs and charts served by the app at an unguessable URL', async () => {
    const { blocks, text } = await openHome(PEOPLE.cro)
    expect(text).toContain('Open pipeline')
    expect(text).toContain('Late-stage losses')
    expect(text).toContain('Zombie pipeline')
    expect(text).toMatch(/normal range/)
    const images = blocks.filter((b) => (b as { type: string }).type === 'image') as Array<{ image_url: string; alt_text: string }>
    expect(images.length).toBeGreaterThanOrEqual(2)
    // Screen readers hear each chart's finding and values, as in the /pulse answers.
    expect(images[0]?.alt_text).toMatch(/^Win rate .*Line chart of monthly win rate.*\d+% won of/)
    expect(images[1]?.alt_text).toMatch(/Bar chart of lost deals by stage/)
    const url = images[0]?.image_url as string
    expect(url.startsWith(`${PUBLIC_URL}/charts/`)).toBe(true)
    const local = url.replace(PUBLIC_URL, t.url)
    const res = await fetch(local)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/png')
    expect(PNG.sync.read(Buffer.from(await res.arrayBuffer())).width).toBeGreaterThan(200)
    const guessed = await fetch(local.replace(/\/charts\/.{6}/, '/charts/AAAAAA'))
    expect(guessed.status).toBe(404)
    // A HEAD (a link checker, a proxy or an image fetcher checking first) is answered as GET is, without the bytes.
    const png = Buffer.from(await (await fetch(local)).arrayBuffer())
    const head = await fetch(local, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-type')).toBe('image/png')
    expect(Number(head.headers.get('content-length'))).toBe(png.length)
    expect((await head.arrayBuffer()).byteLength).toBe(0)
    expect((await fetch(local.replace(/\/charts\/.{6}/, '/charts/AAAAAA'), { method: 'HEAD' })).status).toBe(404)
  })

  it("shows a manager their team's pipeline, stalled deals and win rate", async () => {
    const { text } = await openHome(PEOPLE.manager)
    expect(text).toContain('your team')
    expect(text).toContain('Team pipeline')
    expect(text).toContain('Stalled deals on your team')
    const team = t.company.roster.managers.get(t.company.emails.manager) as ReadonlySet<string>
    for (const m of text.matchAll(/, ([a-z.]+@acme\.example)/g))
      expect(team.has(m[1] as string) || m[1] === t.company.emails.manager).toBe(true)
  })

  it('shows a rep their own open deals', async () => {
    const { text } = await openHome(PEOPLE.rep)
    expect(text).toContain('your deals')
    expect(text).toMatch(/open deals, (least healthy|largest) first|Your open deal\.|no open deals/)
  })

  it('shows someone unknown a polite note with no data', async () => {
    const { text } = await openHome(PEOPLE.stranger)
    expect(text).toContain('Sorry')
    expect(text).not.toMatch(/\d+%|\$\d/)
  })

  it('publishes nothing when the Messages tab opens, and the Home view for an event naming no tab', async () => {
    const messages = JSON.parse(appHomeOpenedBody(PEOPLE.otherRep))
    messages.event.tab = 'messages'
    const n = t.fake.views.length
    await postSigned(t.url, SIGNING_SECRET, JSON.stringify(messages), 'application/json')
    await new Promise((r) => setTimeout(r, 500))
    expect(t.fake.views.length).toBe(n)
    const untabbed = JSON.parse(appHomeOpenedBody(PEOPLE.otherRep))
    delete untabbed.event.tab
    await postSigned(t.url, SIGNING_SECRET, JSON.stringify(untabbed), 'application/json')
    await waitFor(() => t.fake.views.length > n, 20_000, 'views.publish')
    expect(t.fake.views.at(-1)?.userId).toBe(PEOPLE.otherRep)
  })

  it('republishes every opened Home after a sync', async () => {
    // The view the app has just sent is recorded a moment after Slack took it.
    await waitFor(async () => (await findHomeViewUsers(t.company.store.db)).length === 5, 20_000, 'five recorded Home views')
    const n = t.fake.views.length
    const published = await refreshHomeTabs(t.slack.ctx, t.slack.client)
    expect(published).toBe(5)
    expect(t.fake.views.length - n).toBe(5)
  })

  it('never exceeds 100 blocks', () => {
    const many = Array.from({ length: 150 }, (_, i) => context(`row ${i}`))
    const fitted = fitBlocks(many, 100)
    expect(fitted).toHaveLength(100)
    expect(JSON.stringify(fitted.at(-1))).toContain('51 more')
  })
})

describe('App Home of a rep with more open deals than it lists', () => {
  it('says of how many open deals the ones listed are', async () => {
    const t = await startSlackTestApp()
    try {
      const db = t.company.store.db
      const rep = await db.selectFrom('owners').select('owner_id').where('email', '=', t.company.emails.rep).executeTakeFirstOrThrow()
      // Every open deal of the company becomes this rep's.
      await db.updateTable('deals').set({ owner_id: rep.owner_id }).where('outcome', '=', 'open').execute()
      const open = await db
        .selectFrom('deals')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('outcome', '=', 'open')
        .where('archived', '=', 0)
        .executeTakeFirstOrThrow()
      expect(Number(open.n)).toBeGreaterThan(20)
      await postSigned(t.url, SIGNING_SECRET, appHomeOpenedBody(PEOPLE.rep), 'application/json')
      await waitFor(() => t.fake.views.some((v) => v.userId === PEOPLE.rep), 20_000, 'views.publish')
      const text = JSON.stringify(t.fake.views.find((v) => v.userId === PEOPLE.rep)?.view.blocks)
      expect(text).toMatch(new RegExp(`The 20 (least healthy|largest) of your ${Number(open.n).toLocaleString('en-US')} open deals`))
    } finally {
      await t.close()
    }
  })
})
