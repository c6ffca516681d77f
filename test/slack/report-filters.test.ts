import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { parseReportArgs } from '../../src/slack/commands/parse-report-args.js'
import { postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { tempDir } from '../helpers/test-store.js'
import { PEOPLE, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

// `/pulse <report> [field=value ...]` filters as people type them, read as `pulse report --where` reads them.

const usage = 'winrate [months] [field=value ...]'
const parse = (text: string) => parseReportArgs(text.split(/\s+/).filter(Boolean), true, usage)

describe('report filters typed after /pulse', () => {
  it('takes a value of several words, bare or in straight or curly quotes, and months before or after', () => {
    expect(parse('region=North America')).toEqual({ months: undefined, where: { region: 'North America' } })
    expect(parse('12 region="North America" industry=SaaS')).toEqual({ months: 12, where: { region: 'North America', industry: 'SaaS' } })
    expect(parse('region=“North America” 6')).toEqual({ months: 6, where: { region: 'North America' } })
  })

  it('takes a whole filter in quotes, and as many months as pulse report winrate --months', () => {
    expect(parse('"region=North America"')).toEqual({ months: undefined, where: { region: 'North America' } })
    expect(parse("24 “region=North America” 'industry=SaaS'")).toEqual({ months: 24, where: { region: 'North America', industry: 'SaaS' } })
    expect(parse('120').months).toBe(120)
    // More than a report shows is taken: the report shows its most and says so.
    expect(parse('121').months).toBe(121)
    expect(() => parse('0')).toThrow(/Months must be 1 or more, not 0/)
  })

  it('takes an amount band in any case, and refuses one that is not a band, naming the bands', () => {
    expect(parse('amount_band=100K+').where).toEqual({ amount_band: '100k+' })
    expect(parse('Amount_Band=10K-50K').where).toEqual({ amount_band: '10k-50k' })
    expect(() => parse('amount_band=huge')).toThrow(/<10k, 10k-50k, 50k-100k, 100k\+/)
  })

  it('refuses a field given twice with different values, as --where does', () => {
    expect(() => parse('region=EMEA region=APAC')).toThrow(/region twice/)
    expect(parse('region=EMEA region=EMEA').where).toEqual({ region: 'EMEA' })
  })

  it('still refuses words that are neither months nor filters', () => {
    expect(() => parse('EMEA')).toThrow(/did not understand "EMEA"/)
    expect(() => parse('regoin=EMEA')).toThrow(/did not understand/)
    expect(() => parse('region=')).toThrow(/did not understand/)
    expect(() => parse('region=""')).toThrow(/did not understand/)
  })
})

/** A rep who joined lately: two stalled deals, both still open (no closed deal yet). */
const NEW_REP = { slackId: 'UNEWREP001', ownerId: 'Rep_New', email: 'new.rep@acme.example' }

describe('report filters against the deals, over HTTP', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    const company = await sampleCompany(600)
    const csv = join(tempDir('pulse-new-rep-'), 'new-rep.csv')
    writeFileSync(
      csv,
      [
        'deal_id,created_date,closed_date,sales_rep_id,owner_email,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date',
        `NEW-1,2024-05-01,,${NEW_REP.ownerId},${NEW_REP.email},Retail,EMEA,Pro,Inbound,Proposal,90000,Open,2024-06-01`,
        `NEW-2,2024-05-03,,${NEW_REP.ownerId},${NEW_REP.email},Retail,EMEA,Pro,Inbound,Demo,120000,Open,2024-06-10`,
      ].join('\n'),
    )
    await importCsvFile(company.store, { path: csv, stages: DEFAULT_STAGES })
    t = await startSlackTestApp({ company, extraUsers: [{ id: NEW_REP.slackId, email: NEW_REP.email }] })
  })
  afterAll(async () => {
    await t.close()
  })

  async function ask(userId: string, text: string): Promise<{ ack: string; answer: string }> {
    const responseUrl = t.fake.responseUrl()
    const id = responseUrl.split('/').pop() as string
    const body = slashCommandBody({ userId, text, responseUrl })
    const res = await postSigned(t.url, SIGNING_SECRET, body, 'application/x-www-form-urlencoded')
    if (!res.text.includes('Working on')) return { ack: res.text, answer: '' }
    await waitFor(() => t.fake.responses.some((r) => r.id === id), 15_000, 'the answer')
    return { ack: res.text, answer: JSON.stringify(t.fake.responses.find((r) => r.id === id)?.body) }
  }

  it('reads a value in another case as the deals spell it', async () => {
    const lower = await ask(PEOPLE.cro, 'winrate region=emea')
    const exact = await ask(PEOPLE.cro, 'winrate region=EMEA')
    expect(lower.answer).toContain('region=EMEA')
    expect(lower.answer).not.toContain('Not enough closed-deal history')
    // The same answer (the Share button carries the command as typed).
    const findings = (a: string) => (JSON.parse(a) as { text: string; blocks: unknown[] }).blocks.slice(0, 4)
    expect(findings(lower.answer)).toEqual(findings(exact.answer))
    expect(JSON.parse(lower.answer).text).toBe(JSON.parse(exact.answer).text)
  })

  it('filters on a region of two words', async () => {
    const { ack, answer } = await ask(PEOPLE.cro, 'losses region=North America')
    expect(ack).toContain('Working on')
    expect(answer).toContain('region=North America')
    expect(answer).not.toContain('No lost deals')
  })

  it('says when no closed deal has the value, with the values there are', async () => {
    const { answer } = await ask(PEOPLE.cro, 'winrate region=Atlantis')
    expect(answer).toContain('No closed deal has region')
    expect(answer).toContain('EMEA')
  })

  it('says in each report that no deal matches a filter that matches none, naming it, instead of too little history', async () => {
    // Each names the day it counts to: deals created after it may match.
    const expected: Record<string, RegExp> = {
      winrate: /No deal created by \d{4}-\d{2}-\d{2} matches the filter region=Atlantis\./,
      losses: /No deal lost by \d{4}-\d{2}-\d{2} matches the filter region=Atlantis\./,
      funnel: /No deal created by \d{4}-\d{2}-\d{2} matches the filter region=Atlantis\./,
      drivers: /No deal closed by \d{4}-\d{2}-\d{2} matches the filter region=Atlantis\./,
      stalled: /No deal open on \d{4}-\d{2}-\d{2} matches the filter region=Atlantis\./,
    }
    for (const [report, sentence] of Object.entries(expected)) {
      const { answer } = await ask(PEOPLE.cro, `${report} region=Atlantis`)
      expect(answer, report).toMatch(sentence)
      expect(answer, report).not.toContain('Not enough closed-deal history')
      expect(answer, report).not.toContain('(Atlantis)')
    }
  })

  it('answers a band typed in capitals, and refuses an unknown band in the ack', async () => {
    const upper = await ask(PEOPLE.cro, 'winrate amount_band=100K+')
    expect(upper.answer).toContain('amount_band=100k+')
    expect(upper.answer).not.toContain('Not enough closed-deal history')
    const bad = await ask(PEOPLE.cro, 'winrate amount_band=huge')
    expect(bad.ack).toContain('100k+')
    expect(bad.answer).toBe('')
  })

  it('reads an owner id in another case as the deals spell it, for the owner and for an executive', async () => {
    const row = await t.company.store.db
      .selectFrom('deals')
      .select('owner_id')
      .where('owner_email', '=', t.company.emails.rep)
      .executeTakeFirstOrThrow()
    const typed = row.owner_id.toUpperCase()
    expect(typed).not.toBe(row.owner_id)
    const own = await ask(PEOPLE.rep, `winrate sales_rep_id=${typed}`)
    expect(own.answer).not.toContain('only see your own deals')
    expect(own.answer).toContain(`sales_rep_id=${row.owner_id}`)
    const cro = await ask(PEOPLE.cro, `winrate sales_rep_id=${typed}`)
    expect(cro.answer).toContain(`sales_rep_id=${row.owner_id}`)
    expect(cro.answer).not.toContain('No closed deal has')
    // An owner id no deal has is named, and no owner id is listed.
    const none = await ask(PEOPLE.cro, 'winrate sales_rep_id=nobody_here')
    expect(none.answer).toContain('No closed deal has sales_rep_id \\"nobody_here\\".')
    expect(none.answer).not.toMatch(/rep_\d+/)
  })

  it("reads a rep's own owner id in another case even when none of their deals has closed yet", async () => {
    const exact = await ask(NEW_REP.slackId, `stalled sales_rep_id=${NEW_REP.ownerId}`)
    expect(exact.answer).toContain('2 deals, $210k')
    for (const typed of [NEW_REP.ownerId.toLowerCase(), NEW_REP.ownerId.toUpperCase()]) {
      const { answer } = await ask(NEW_REP.slackId, `stalled sales_rep_id=${typed}`)
      expect(answer).toContain(`sales_rep_id=${NEW_REP.ownerId}`)
      expect(answer).toContain('2 deals, $210k')
    }
  })

  it('never lists owner ids, and keeps a rep to their own deals', async () => {
    const { answer } = await ask(PEOPLE.rep, 'stalled sales_rep_id=nobody_here')
    expect(answer).toContain('only see your own deals')
    expect(answer).not.toMatch(/rep_\d+/)
  })
})
