import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

// `/pulse deal <id or name>` as people type it in Slack.

describe('/pulse deal by name', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp({ company: await sampleCompany(600) })
  })
  afterAll(async () => {
    await t.close()
  })

  async function ask(userId: string, text: string): Promise<string> {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const body = slashCommandBody({ userId, text, responseUrl })
    expect((await postSigned(t.url, SIGNING_SECRET, body, 'application/x-www-form-urlencoded')).status).toBe(200)
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 10_000, 'the answer')
    return JSON.stringify(t.fake.responses.find((r) => r.id === id)?.body)
  }

  it('does not give the cap on the list as the number of deals that match', async () => {
    const word = 'Logistics'
    const { n } = await t.company.store.db
      .selectFrom('deals')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('deal_name', 'like', `%${word}%`)
      .executeTakeFirstOrThrow()
    expect(Number(n)).toBeGreaterThan(21)
    const answer = await ask(PEOPLE.cro, `deal ${word}`)
    expect(answer).not.toMatch(/(?<!than )20 deals match/)
    expect(answer).toMatch(/More than 20 deals match/)
    // Eight are listed; the rest (21 or more were found) are said to be there.
    expect(answer).toContain('…and at least 13 more deals')
  })

  it('gives the exact number when it is within the cap', async () => {
    const rep = await t.company.store.db
      .selectFrom('deals')
      .innerJoin('owners', 'owners.owner_id', 'deals.owner_id')
      .select(['deals.deal_name'])
      .where('owners.email', '=', t.company.emails.rep)
      .execute()
    const word = 'expansion'
    const n = rep.filter((d) => d.deal_name?.toLowerCase().includes(word)).length
    expect(n).toBeGreaterThan(1)
    expect(n).toBeLessThanOrEqual(20)
    expect(await ask(PEOPLE.rep, `deal ${word}`)).toContain(`${n} deals match`)
  })

  it('says how many deals a list of matches leaves out, when there are more than it lists', async () => {
    const word = 'Pro'
    const { n } = await t.company.store.db
      .selectFrom('deals')
      .innerJoin('owners', 'owners.owner_id', 'deals.owner_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('owners.email', '=', t.company.emails.rep)
      .where('deals.deal_name', 'like', `%${word}%`)
      .executeTakeFirstOrThrow()
    const count = Number(n)
    expect(count).toBeGreaterThan(8)
    expect(count).toBeLessThanOrEqual(20)
    const answer = await ask(PEOPLE.rep, `deal ${word}`)
    expect(answer).toContain(`${count} deals match`)
    expect(answer.match(/• \*/g)).toHaveLength(8)
    expect(answer).toContain(`…and ${count - 8} more deals: add more of the name, or ask by id`)
  })

  it('finds a deal whose name is typed in quotes, straight or curly (as Slack on a Mac types them)', async () => {
    const deal = await t.company.store.db
      .selectFrom('deals')
      .innerJoin('owners', 'owners.owner_id', 'deals.owner_id')
      .select(['deals.deal_id', 'deals.deal_name'])
      .where('owners.email', '=', t.company.emails.rep)
      .orderBy('deals.deal_id')
      .limit(1)
      .executeTakeFirstOrThrow()
    const name = deal.deal_name as string
    for (const quoted of [`"${name}"`, `“${name}”`, `'${name}'`, `‘${name}’`]) {
      const answer = await ask(PEOPLE.rep, `deal ${quoted}`)
      expect(answer, quoted).toContain(deal.deal_id)
      expect(answer, quoted).not.toContain('No deal you can see')
    }
  })
  it('finds a deal whose name has letters outside A-Z, typed as written or in another case', async () => {
    const deal = await t.company.store.db
      .selectFrom('deals')
      .innerJoin('owners', 'owners.owner_id', 'deals.owner_id')
      .select(['deals.deal_id'])
      .where('owners.email', '=', t.company.emails.rep)
      .orderBy('deals.deal_id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow()
    await t.company.store.db.updateTable('deals').set({ deal_name: 'Ärzteverbund Øresund' }).where('deal_id', '=', deal.deal_id).execute()
    for (const typed of ['Ärzteverbund Øresund', 'ärzteverbund', 'ØRESUND']) {
      const answer = await ask(PEOPLE.rep, `deal ${typed}`)
      expect(answer, typed).toContain(deal.deal_id)
      expect(answer, typed).not.toContain('No deal you can see')
    }
  })

  it("finds a deal by its id typed in another case, and not someone else's", async () => {
    const firstDealOf = (email: string) =>
      t.company.store.db
        .selectFrom('deals')
        .innerJoin('owners', 'owners.owner_id', 'deals.owner_id')
        .select(['deals.deal_id'])
        .where('owners.email', '=', email)
        .orderBy('deals.deal_id')
        .limit(1)
        .executeTakeFirstOrThrow()
    const own = await firstDealOf(t.company.emails.rep)
    const other = await firstDealOf(t.company.emails.otherRep)
    const typed = own.deal_id.toLowerCase()
    expect(typed).not.toBe(own.deal_id)
    const answer = await ask(PEOPLE.rep, `deal ${typed}`)
    expect(answer).toContain(own.deal_id)
    expect(answer).not.toContain('No deal you can see')
    expect(await ask(PEOPLE.rep, `deal ${other.deal_id.toLowerCase()}`)).toContain('No deal you can see')
  })
})
