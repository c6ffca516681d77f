import { join } from 'node:path'
import stringWidth from 'string-width'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,owner_email'

describe('pulse alerts --dry-run', () => {
  it('counts as DMs only the stalled deals whose owner has an email, and says how many others nobody can be DMed about', async () => {
    const db = join(tempDir(), 'p.db')
    const csv = [
      HEADER,
      'S1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,80000,Open,2024-05-01,ana@acme.example',
      'S2,2024-01-03,,rep_2,SaaS,EMEA,Core,Inbound,Demo,70000,Open,2024-05-02,',
      'S3,2024-01-04,,rep_3,SaaS,EMEA,Core,Inbound,Proposal,60000,Open,2024-05-03,',
      'S4,2024-01-05,,rep_1,SaaS,EMEA,Core,Inbound,Demo,90000,Open,2024-06-25,ana@acme.example',
    ].join('\n')
    expect((await runCli('ingest', '--csv', writeTempFile('d.csv', csv), '--db', db)).code).toBe(0)
    const run = await runCli('alerts', '--dry-run', '--db', db, '--as-of', '2024-07-01')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout.split('\n')[0]).toBe(
      "1 stalled-deal DM would be sent as of 2024-07-01; 2 more stalled deals have no owner email (owner_email in the CSV, or the CRM owner's email), so nobody can be DMed about them:",
    )
    // The JSON lists every stalled deal, the owner's email null where there is none.
    const json = JSON.parse((await runCli('alerts', '--dry-run', '--json', '--db', db, '--as-of', '2024-07-01')).stdout)
    expect(json.alerts.map((a: { dealId: string; ownerEmail: string | null }) => [a.dealId, a.ownerEmail])).toEqual([
      ['S1', 'ana@acme.example'],
      ['S2', null],
      ['S3', null],
    ])
  })

  it('lines up the idle days after a long or CJK stage name, as a terminal shows them', async () => {
    const db = join(tempDir(), 'w.db')
    const csv = [
      HEADER,
      'W1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Qualified To Buy,80000,Open,2024-05-01,ana@acme.example',
      'W2,2024-01-03,,rep_1,SaaS,EMEA,Core,Inbound,商談,70000,Open,2024-05-02,ana@acme.example',
      'W3,2024-01-04,,rep_1,SaaS,EMEA,Core,Inbound,Demo,60000,Open,2024-05-03,ana@acme.example',
    ].join('\n')
    const ingest = await runCli('ingest', '--csv', writeTempFile('w.csv', csv), '--db', db)
    expect(ingest.code, ingest.stderr).toBe(0)
    const run = await runCli('alerts', '--dry-run', '--db', db, '--as-of', '2024-07-01')
    expect(run.code, run.stderr).toBe(0)
    const rows = run.stdout.split('\n').filter((l) => /^ {2}W\d/.test(l))
    expect(rows).toHaveLength(3)
    const idleColumns = rows.map((l) => stringWidth(l.slice(0, l.indexOf(' idle '))))
    expect(new Set(idleColumns).size, rows.join('\n')).toBe(1)
  })

  it('says on stderr which open deals a past as-of leaves out because their only recorded activity is after it', async () => {
    const db = join(tempDir(), 'p.db')
    const csv = [
      HEADER,
      'P1,2025-01-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,80000,Open,2025-06-20,ana@acme.example',
      'P2,2025-01-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,90000,Open,2025-05-01,ana@acme.example',
    ].join('\n')
    expect((await runCli('ingest', '--csv', writeTempFile('p.csv', csv), '--db', db)).code).toBe(0)
    const run = await runCli('alerts', '--dry-run', '--db', db, '--as-of', '2025-05-20')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout.split('\n')[0]).toBe('1 stalled-deal DM would be sent as of 2025-05-20:')
    expect(run.stderr).toContain(
      '1 open deal, worth $80k, had no recorded activity by 2025-05-20 and is left out: its latest recorded activity is after that day, so whether it was stalled then cannot be told.',
    )
    // JSON: the contract's shape, with the count left out as an added field; nothing on stderr about it.
    const json = await runCli('alerts', '--dry-run', '--json', '--db', db, '--as-of', '2025-05-20')
    expect(JSON.parse(json.stdout)).toMatchObject({ asOf: '2025-05-20', noActivityByAsOf: { count: 1, amount: 80000 } })
    expect(json.stderr).not.toContain('no recorded activity')
    // As of today nothing is left out, and nothing is said.
    const today = await runCli('alerts', '--dry-run', '--db', db, '--as-of', '2025-07-20')
    expect(today.stderr).not.toContain('no recorded activity')
  })

  it('says on stderr, and counts in JSON, the deals open on a past as-of that have closed since', async () => {
    const db = join(tempDir(), 'p.db')
    const csv = [
      'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,owner_email',
      'P2,2025-01-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,90000,Open,2025-05-01,ana@acme.example',
      'C1,2025-01-01,2025-06-10,rep_1,SaaS,EMEA,Core,Inbound,Demo,70000,Lost,2025-04-20,ana@acme.example',
    ].join('\n')
    expect((await runCli('ingest', '--csv', writeTempFile('p.csv', csv), '--db', db)).code).toBe(0)
    const run = await runCli('alerts', '--dry-run', '--db', db, '--as-of', '2025-05-20')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain(
      // Nothing in the store is dated after 2025-05-01: C1's close on 2025-06-10 is planned, as the stalled report says.
      '1 of the deals open on 2025-05-20 has a close date after the newest record (2025-05-01); it is not counted: only deals still open now are listed. Run it as of today for the deals stalled now.',
    )
    const json = await runCli('alerts', '--dry-run', '--json', '--db', db, '--as-of', '2025-05-20')
    expect(JSON.parse(json.stdout)).toMatchObject({ asOf: '2025-05-20', closedSince: 1 })
    expect(json.stderr).not.toContain('closed since')
    const today = await runCli('alerts', '--dry-run', '--json', '--db', db, '--as-of', '2025-07-20')
    expect(JSON.parse(today.stdout).closedSince).toBe(0)
  })

  it('tells the deals closed since a past as-of from planned closes, as the stalled report does', async () => {
    const db = join(tempDir(), 'p.db')
    const csv = [
      HEADER,
      'P2,2025-01-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,90000,Open,2025-05-01,ana@acme.example',
      'C1,2025-01-01,2025-06-10,rep_1,SaaS,EMEA,Core,Inbound,Demo,70000,Lost,2025-04-20,ana@acme.example',
      // Dated after every record and after today: a planned close, not one that happened.
      'F1,2025-01-01,2099-01-10,rep_1,SaaS,EMEA,Core,Inbound,Demo,60000,Won,2025-04-20,ana@acme.example',
      'X1,2025-07-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,1000,Open,2025-07-01,ana@acme.example',
    ].join('\n')
    expect((await runCli('ingest', '--csv', writeTempFile('p.csv', csv), '--db', db)).code).toBe(0)
    const note =
      '1 of the deals open on 2025-05-20 has closed since, and 1 more has a close date after the newest record (2025-07-01); they are not counted: only deals still open now are listed.'
    const run = await runCli('alerts', '--dry-run', '--db', db, '--as-of', '2025-05-20')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain(note)
    const report = await runCli('report', 'stalled', '--db', db, '--as-of', '2025-05-20')
    expect(report.stdout).toContain(
      '1 of the deals open on 2025-05-20 has closed since, and 1 more has a close date after the newest record (2025-07-01)',
    )
  })

  it('writes each amount in its deal’s currency, and the left-out total in the currencies of the deals it adds up', async () => {
    const db = join(tempDir(), 'p.db')
    const rows = (currencies: string[]) =>
      [
        `${HEADER},currency`,
        `E1,2025-01-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,80000,Open,2025-06-20,ana@acme.example,${currencies[0]}`,
        `G1,2025-01-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,120000,Open,2025-05-01,ana@acme.example,${currencies[1]}`,
        `U1,2025-01-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,90000,Open,2025-05-01,ana@acme.example,${currencies[2]}`,
      ].join('\n')
    expect((await runCli('ingest', '--csv', writeTempFile('m.csv', rows(['EUR', 'GBP', 'USD'])), '--db', db)).code).toBe(0)
    const run = await runCli('alerts', '--dry-run', '--db', db, '--as-of', '2025-05-20')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/G1 +120k GBP {2}Demo/)
    expect(run.stdout).toMatch(/U1 +\$90k {2}Demo/)
    // E1 alone is left out (its only activity is after 2025-05-20): its total is in euros, not marked mixed.
    expect(run.stderr).toContain('1 open deal, worth 80k EUR, had no recorded activity by 2025-05-20')
    const json = JSON.parse((await runCli('alerts', '--dry-run', '--json', '--db', db, '--as-of', '2025-05-20')).stdout)
    expect(json.alerts.map((a: { amount: unknown }) => a.amount)).toEqual([120000, 90000])
    const euros = join(tempDir(), 'e.db')
    expect((await runCli('ingest', '--csv', writeTempFile('e.csv', rows(['EUR', 'eur', 'EUR'])), '--db', euros)).code).toBe(0)
    const inEuros = await runCli('alerts', '--dry-run', '--db', euros, '--as-of', '2025-05-20')
    expect(inEuros.stdout).toMatch(/U1 +90k EUR {2}Demo/)
    expect(inEuros.stderr).toContain('1 open deal, worth 80k EUR, had no recorded')
  })
})
