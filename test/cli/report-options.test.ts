import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveAsOf } from '../../src/cli/cli-context.js'
import { loadConfig } from '../../src/config.js'
import { openStore } from '../../src/db/open-store.js'
import { configuredStages } from '../../src/services/configured-stages.js'
import { loadFunnelReport } from '../../src/services/load-funnel-report.js'
import { spawnPulse } from '../helpers/pulse-process.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const HEADER = 'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'
const ROWS = [
  'A1,2024-01-03,2024-02-10,rep_1,SaaS,EMEA,Core,Inbound,Closed,12000,Won',
  'A2,2024-01-04,2024-02-11,rep_1,SaaS,EMEA,Core,Inbound,Proposal,5000,Lost',
  'A3,2024-01-05,2024-03-12,rep_2,SaaS,APAC,Pro,Referral,Demo,7000,Lost',
  'A4,2024-02-06,2024-03-13,rep_2,FinTech,APAC,Pro,Referral,Closed,80000,Won',
  'A5,2024-03-07,,rep_1,FinTech,EMEA,Core,Inbound,Demo,60000,Open',
]
const AS_OF = '2024-04-15'
let db: string

beforeAll(async () => {
  db = join(tempDir(), 'pulse.db')
  const run = await runCli('ingest', '--csv', writeTempFile('d.csv', `${[HEADER, ...ROWS].join('\n')}\n`), '--db', db)
  expect(run.code, run.stderr).toBe(0)
})

afterAll(() => {
  process.exitCode = 0
})

const report = (...args: string[]) => runCli('report', ...args, '--db', db, '--as-of', AS_OF)
const closedIn = (stdout: string) => JSON.parse(stdout).months.reduce((n: number, m: { n: number }) => n + m.n, 0)

describe('report options', () => {
  it('refuses an impossible --as-of day instead of rolling it into the next month', async () => {
    const run = await runCli('report', 'losses', '--db', db, '--as-of', '2024-02-30', '--json')
    expect(run).toMatchObject({ code: 1, stdout: '' })
    expect(run.stderr).toContain('--as-of "2024-02-30" is not a date: February 2024 has 29 days; use YYYY-MM-DD')
  })

  it('says on stderr when --as-of is after today, and pulse alerts refuses to send DMs as of that day', async () => {
    const note =
      /^--as-of 2099-01-01 is after today \(\d{4}-\d{2}-\d{2}\): the deals are counted as they are now, as if nothing changed until then\./m
    for (const args of [
      ['report', 'losses'],
      ['report', 'stalled'],
      ['alerts', '--dry-run'],
    ]) {
      const ahead = await runCli(...args, '--db', db, '--as-of', '2099-01-01', '--json')
      expect(ahead.code, args.join(' ')).toBe(0)
      expect(JSON.parse(ahead.stdout).asOf).toBe('2099-01-01')
      expect(ahead.stderr, args.join(' ')).toMatch(note)
      expect((await runCli(...args, '--db', db, '--as-of', AS_OF, '--json')).stderr).not.toMatch(/after today/)
    }
    const send = await runCli('alerts', '--db', db, '--as-of', '2099-01-01')
    expect(send).toMatchObject({ code: 1, stdout: '' })
    expect(send.stderr).toMatch(
      /--as-of 2099-01-01 is after today \(\d{4}-\d{2}-\d{2}\): the DMs would count days idle to a day that has not come\. Leave --as-of out to send today's DMs, or add --dry-run to preview that day\./,
    )
  })

  it('names PULSE_AS_OF when the bad date comes from there', () => {
    expect(() => resolveAsOf({}, { ...loadConfig({}), asOf: '2024-02-30' })).toThrow('PULSE_AS_OF "2024-02-30" is not a date')
    expect(resolveAsOf({ asOf: '2024-02-29' }, { ...loadConfig({}), asOf: '2024-02-30' })).toBe('2024-02-29')
  })

  it('names the database path it looked at, and does not create one, when it does not exist', async () => {
    const missing = join(tempDir(), 'nope.db')
    for (const args of [['report', 'winrate'], ['train'], ['score'], ['status'], ['alerts', '--dry-run']]) {
      const run = await runCli(...args, '--db', missing)
      expect(run.code, args.join(' ')).toBe(1)
      expect(run.stderr).toContain(`There is no Sales Pulse database at ${missing}`)
    }
    expect(existsSync(missing)).toBe(false)
  })

  it('takes --where field names in any case and values in the case the deals use, saying so', async () => {
    const exact = await report('winrate', '--json', '--where', 'region=EMEA')
    const upper = await report('winrate', '--json', '--where', 'REGION=EMEA')
    const lower = await report('winrate', '--json', '--where', 'region=emea')
    expect(closedIn(exact.stdout)).toBe(2)
    expect(closedIn(upper.stdout)).toBe(2)
    expect(closedIn(lower.stdout)).toBe(2)
    expect(JSON.parse(lower.stdout).where).toEqual({ region: 'EMEA' })
    expect(lower.stderr).toContain('--where region=emea: using "EMEA", as the deals spell it.')
  })

  it('takes every spelling of a --where value that differs only in case, naming them on stderr', async () => {
    const mixed = join(tempDir(), 'mixed.db')
    const csv = [HEADER, ...ROWS, 'A6,2024-01-08,2024-02-12,rep_2,SaaS,emea,Core,Inbound,Demo,9000,Lost'].join('\n')
    expect((await runCli('ingest', '--csv', writeTempFile('mixed.csv', `${csv}\n`), '--db', mixed)).code).toBe(0)
    const run = await runCli('report', 'losses', '--json', '--where', 'region=Emea', '--db', mixed, '--as-of', AS_OF)
    expect(run.code).toBe(0)
    // A2 (EMEA) and A6 (emea): both lost.
    expect(JSON.parse(run.stdout).totalLost).toBe(2)
    expect(JSON.parse(run.stdout).where).toEqual({ region: 'Emea' })
    expect(run.stderr).toContain(
      '--where region=Emea matches the deals of "EMEA" and "emea" (values that differ only in case or surrounding spaces are taken as one).',
    )
  })

  it('says which values exist when no closed deal has the filtered value, keeping --json valid', async () => {
    const run = await report('losses', '--json', '--where', 'region=Mars')
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout).stages).toEqual([])
    expect(run.stderr).toContain('No closed deal has region "Mars"; the values there are: APAC, EMEA.')
  })

  it('takes an amount band in any case', async () => {
    const run = await report('winrate', '--json', '--where', 'amount_band=50K-100K')
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout).where).toEqual({ amount_band: '50k-100k' })
    expect(closedIn(run.stdout)).toBe(1)
  })

  it('takes --months as decimal digits, 1 or more, refusing hex and exponents; more than 120 shows the most, 120', async () => {
    for (const months of ['0x10', '1e2', '0', '-3']) {
      const run = await report('winrate', '--json', '--months', months)
      expect(run, months).toMatchObject({ code: 1, stdout: '' })
      expect(run.stderr).toContain(`--months "${months}" is not a whole number of at least 1; try --months 12.`)
    }
    for (const months of ['121', '100000']) {
      const run = await report('winrate', '--json', '--months', months)
      expect(run.code, run.stderr).toBe(0)
      const out = JSON.parse(run.stdout)
      expect(out.months.length).toBeLessThan(120)
      expect(out.monthsNote).toContain(`months, not ${Number(months).toLocaleString('en-US')})`)
    }
    const longest = await report('winrate', '--json', '--months', '120')
    expect(longest.code, longest.stderr).toBe(0)
    // The months before the first deal are left out, and a note says so.
    const out = JSON.parse(longest.stdout)
    expect(out.months.length).toBeLessThan(120)
    expect(out.monthsNote).toMatch(/^Shown from \w{3} \d{4}, the first month with a deal created or closed \(\d+ months, not 120\)\.$/)
  })

  it('reports as of the first day of the calendar, 0001-01-01 (--as-of or PULSE_AS_OF), as a day before any deal, and as of a day of a year below 1000', async () => {
    for (const name of ['winrate', 'losses', 'funnel', 'drivers', 'stalled', 'summary']) {
      const run = await runCli('report', name, '--db', db, '--as-of', '0001-01-01', '--json')
      expect(run.code, `${name}: ${run.stderr}`).toBe(0)
      expect(JSON.parse(run.stdout).asOf).toBe('0001-01-01')
    }
    const text = await runCli('report', 'winrate', '--db', db, '--as-of', '0001-01-01')
    expect(text.stdout).toContain('No deal was created by 0001-01-01: the first deal was created on 2024-01-03.')
    const months = JSON.parse((await runCli('report', 'winrate', '--db', db, '--as-of', '0001-03-15', '--json')).stdout)
    expect(months.months.map((m: { month: string }) => m.month)).toEqual(['0001-01', '0001-02', '0001-03'])
    expect(months.monthsNote).toBe('Shown from Jan 0001, the first month of the calendar (3 months, not 12).')
    const env = spawnPulse(['report', 'funnel', '--db', db, '--json'], { PULSE_AS_OF: '0001-01-01' })
    expect(await env.exited, env.stderr).toBe(0)
    expect(JSON.parse(env.stdout).asOf).toBe('0001-01-01')
    // The months of a year below 1000 were once written with three digits, and the list never ended.
    const early = spawnPulse(['report', 'winrate', '--db', db, '--as-of', '0999-12-31', '--json'])
    expect(await early.exited, early.stderr).toBe(0)
    expect(JSON.parse(early.stdout).months.at(-1).month).toBe('0999-12')
  })

  it('refuses year 0 saying the calendar has none, from --as-of and PULSE_AS_OF', async () => {
    const run = await runCli('report', 'winrate', '--db', db, '--as-of', '0000-12-31', '--json')
    expect(run).toMatchObject({ code: 1, stdout: '' })
    expect(run.stderr).toContain(
      '--as-of "0000-12-31" is not a date: the calendar has no year 0 (years run from 0001 to 9999); use YYYY-MM-DD',
    )
    const env = spawnPulse(['report', 'winrate', '--db', db, '--json'], { PULSE_AS_OF: '0000-12-31' })
    expect(await env.exited).toBe(1)
    expect(env.stderr).toContain(
      'PULSE_AS_OF "0000-12-31" is not a date: the calendar has no year 0 (years run from 0001 to 9999); set it like',
    )
  })

  it('imports deals dated in the first years of the calendar', async () => {
    const early = join(tempDir(), 'early.db')
    const csv = writeTempFile(
      'early.csv',
      `${HEADER}\nE1,0001-01-01,0001-02-10,rep_1,SaaS,EMEA,Core,Inbound,Closed,100,Won\nE2,0099-12-31T10:00:00Z,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Open\n`,
    )
    const run = await runCli('ingest', '--csv', csv, '--db', early)
    expect(run.code, run.stdout).toBe(0)
    expect(run.stdout).toContain('2 new, 0 updated, 0 rejected')
    const winrate = JSON.parse((await runCli('report', 'winrate', '--db', early, '--as-of', '0001-03-01', '--json')).stdout)
    expect(winrate.months.find((m: { month: string }) => m.month === '0001-02')).toMatchObject({ won: 1, lost: 0 })
  })

  it('reports as of the last day ISO dates can name, 9999-12-31', async () => {
    for (const name of ['winrate', 'summary']) {
      const run = await runCli('report', name, '--db', db, '--as-of', '9999-12-31', '--json')
      expect(run.code, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout).asOf).toBe('9999-12-31')
    }
  })

  it('says on stderr which .env names are no setting (a typo keeps the default), with the one meant', async () => {
    const folder = tempDir()
    writeFileSync(join(folder, '.env'), 'PULSE_IDLE_DAY=7\n')
    const run = spawnPulse(['report', 'stalled', '--db', db, '--as-of', AS_OF, '--json'], {}, { cwd: folder })
    expect(await run.exited, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout).rules.idleDays).toBe(14)
    expect(run.stderr).toContain(
      '.env sets PULSE_IDLE_DAY, which Sales Pulse does not read (did you mean PULSE_IDLE_DAYS?); it is ignored.',
    )
  })

  it('refuses the same --where field twice with different values', async () => {
    const run = await report('drivers', '--where', 'region=EMEA', '--where', 'region=APAC')
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('--where gives region twice ("EMEA" and "APAC")')
  })

  it('prints nothing on stdout when the --png file cannot be written', async () => {
    const run = await report('losses', '--json', '--png', join(tempDir(), 'missing', 'x.png'))
    expect(run).toMatchObject({ code: 1, stdout: '' })
  })

  it('uses PULSE_STAGES at report time, with a last stage named Won as the won end of the funnel', async () => {
    const store = await openStore({ path: db })
    try {
      expect(await configuredStages(store, loadConfig({}))).toBeUndefined()
      const stages = await configuredStages(store, loadConfig({ PULSE_STAGES: 'Demo, Proposal, Won' }))
      expect(stages).toEqual(['Demo', 'Proposal', 'Won'])
      const funnel = await loadFunnelReport(store.db, { asOf: AS_OF, ...(stages ? { stages } : {}) })
      expect(funnel.stages.map((s) => s.stage)).toEqual(['Demo', 'Proposal', 'Won'])
      expect(funnel.stages.at(-1)).toMatchObject({ reached: 2, advanced: 2 })
    } finally {
      await store.close()
    }
  })

  it('ends the funnel of a PULSE_STAGES naming no won stage with a Won row, said to be none of its stages, not a Closed one', async () => {
    const json = spawnPulse(['report', 'funnel', '--db', db, '--as-of', AS_OF, '--json'], { PULSE_STAGES: 'Demo,Proposal' })
    expect(await json.exited, json.stderr).toBe(0)
    const out = JSON.parse(json.stdout)
    expect(out.stages.map((s: { stage: string }) => s.stage)).toEqual(['Demo', 'Proposal', 'Won'])
    expect(out.stages.at(-1)).toEqual({
      stage: 'Won',
      reached: 2,
      advanced: 2,
      conversion: 1,
      lost: 0,
      leakage: 0,
      open: 0,
      decidedConversion: 1,
    })
    expect(out.wonStageInOrder).toBe(false)
    const text = spawnPulse(['report', 'funnel', '--db', db, '--as-of', AS_OF], { PULSE_STAGES: 'Demo,Proposal' })
    expect(await text.exited, text.stderr).toBe(0)
    expect(text.stdout).toContain('The stage order (Demo, Proposal) names no won stage: the last row, Won, counts the 2 won deals.')
    expect(text.stdout).not.toMatch(/^Closed/m)
    const named = spawnPulse(['report', 'funnel', '--db', db, '--as-of', AS_OF, '--json'], { PULSE_STAGES: 'Demo,Proposal,closed won' })
    expect(await named.exited, named.stderr).toBe(0)
    const namedOut = JSON.parse(named.stdout)
    expect(namedOut.stages.map((s: { stage: string }) => s.stage)).toEqual(['Demo', 'Proposal', 'closed won'])
    expect(namedOut).toMatchObject({ wonStageInOrder: true })
    expect(namedOut.sourceNote).not.toContain('names no won stage')
  })
})

describe('pulse report with words after its name, as /pulse takes them in Slack', () => {
  it('names the options to write instead, as a command that runs when pasted', async () => {
    const db = join(tempDir(), 'p.db')
    const months = await runCli('report', 'winrate', '6', 'region=North America', '--db', db)
    expect(months).toMatchObject({ code: 1, stdout: '' })
    expect(months.stderr).toContain("pulse report winrate --months 6 --where 'region=North America'")
    const filter = await runCli('report', 'losses', 'region=EMEA', 'industry=SaaS', '--db', db)
    expect(filter.code).toBe(1)
    expect(filter.stderr).toContain('takes its filters as options')
    expect(filter.stderr).toContain('pulse report losses --where region=EMEA industry=SaaS')
    const other = await runCli('report', 'funnel', 'now', '--db', db)
    expect(other.code).toBe(1)
    expect(other.stderr).toContain(
      'pulse report funnel takes no word after its name ("now"); its options are listed by pulse report funnel --help.',
    )
  })
})
