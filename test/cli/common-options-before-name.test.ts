import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
const REPORTS = ['winrate', 'losses', 'funnel', 'drivers', 'stalled', 'summary']
let db: string

beforeAll(async () => {
  db = join(tempDir(), 'pulse.db')
  const run = await runCli('ingest', '--csv', writeTempFile('d.csv', `${[HEADER, ...ROWS].join('\n')}\n`), '--db', db)
  expect(run.code, run.stderr).toBe(0)
})

afterAll(() => {
  process.exitCode = 0
})

describe('pulse report with --db, --as-of and --json before the report name', () => {
  it('prints the same report as with them after the name, for every report', async () => {
    for (const name of REPORTS) {
      const after = await runCli('report', name, '--db', db, '--as-of', AS_OF, '--json')
      expect(after.code, `${name}: ${after.stderr}`).toBe(0)
      const before = await runCli('report', '--db', db, '--as-of', AS_OF, '--json', name)
      expect(before.code, `${name}: ${before.stderr}`).toBe(0)
      expect(JSON.parse(before.stdout), name).toEqual(JSON.parse(after.stdout))
      expect(JSON.parse(before.stdout).asOf, name).toBe(AS_OF)
      const mixed = await runCli('report', '--json', name, '--db', db, '--as-of', AS_OF)
      expect(mixed.code, `${name}: ${mixed.stderr}`).toBe(0)
      expect(JSON.parse(mixed.stdout), name).toEqual(JSON.parse(after.stdout))
    }
  })

  it('keeps the report own options after the name working with the common ones before it', async () => {
    const run = await runCli('report', '--db', db, '--json', 'winrate', '--as-of', AS_OF, '--months', '2')
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout).months.map((m: { month: string }) => m.month)).toEqual(['2024-03', '2024-04'])
  })

  it('lets the value given after the report name win over the one before it', async () => {
    const missing = join(tempDir(), 'nope.db')
    const db2 = await runCli('report', '--db', missing, 'losses', '--db', db, '--as-of', AS_OF, '--json')
    expect(db2.code, db2.stderr).toBe(0)
    expect(JSON.parse(db2.stdout).stages.length).toBeGreaterThan(0)
    const asOf = await runCli('report', '--as-of', '2024-02-01', '--db', db, 'losses', '--as-of', AS_OF, '--json')
    expect(asOf.code, asOf.stderr).toBe(0)
    expect(JSON.parse(asOf.stdout).asOf).toBe(AS_OF)
    const text = await runCli('report', '--db', db, 'winrate', '--as-of', AS_OF)
    expect(text.code, text.stderr).toBe(0)
    expect(() => JSON.parse(text.stdout)).toThrow()
  })

  it('refuses an empty --db and a bad --as-of before the name as it does after it, printing nothing on stdout', async () => {
    const emptyAfter = await runCli('report', 'winrate', '--db', '', '--json')
    const emptyBefore = await runCli('report', '--db', '', '--json', 'winrate')
    expect(emptyBefore).toEqual(emptyAfter)
    expect(emptyBefore).toMatchObject({ code: 1, stdout: '' })
    expect(emptyBefore.stderr).toContain('--db needs the path of a database file; leave --db out to use the default.')

    const badAfter = await runCli('report', 'winrate', '--db', db, '--as-of', '2024-02-30', '--json')
    const badBefore = await runCli('report', '--as-of', '2024-02-30', '--json', '--db', db, 'winrate')
    expect(badBefore).toEqual(badAfter)
    expect(badBefore).toMatchObject({ code: 1, stdout: '' })
    expect(badBefore.stderr).toContain('--as-of "2024-02-30" is not a date: February 2024 has 29 days; use YYYY-MM-DD')
  })

  it('lists the common options in pulse report --help', async () => {
    const help = await runCli('report', '--help')
    expect(help.code).toBe(0)
    for (const flag of ['--db <path>', '--as-of <date>', '--json']) expect(help.stdout).toContain(flag)
  })
})

describe("pulse report with the report's own options before its name", () => {
  it('reads --where before the name as after it, for every report, and keeps both when given in both places', async () => {
    for (const name of REPORTS) {
      const after = await runCli('report', name, '--db', db, '--as-of', AS_OF, '--json', '--where', 'region=EMEA')
      expect(after.code, `${name}: ${after.stderr}`).toBe(0)
      const before = await runCli('report', '--where', 'region=EMEA', name, '--db', db, '--as-of', AS_OF, '--json')
      expect(before.code, `${name}: ${before.stderr}`).toBe(0)
      expect(JSON.parse(before.stdout), name).toEqual(JSON.parse(after.stdout))
      const unfiltered = await runCli('report', name, '--db', db, '--as-of', AS_OF, '--json')
      if (name !== 'summary') expect(JSON.parse(before.stdout), name).not.toEqual(JSON.parse(unfiltered.stdout))
    }
    const both = await runCli(
      'report',
      '--where',
      'region=EMEA',
      'losses',
      '--where',
      'industry=SaaS',
      '--db',
      db,
      '--as-of',
      AS_OF,
      '--json',
    )
    expect(both.code, both.stderr).toBe(0)
    expect(JSON.parse(both.stdout).where).toEqual({ region: 'EMEA', industry: 'SaaS' })
    const twoBefore = await runCli(
      'report',
      '--where',
      'region=EMEA',
      '--where=industry=SaaS',
      '--json',
      'losses',
      '--db',
      db,
      '--as-of',
      AS_OF,
    )
    expect(twoBefore.code, twoBefore.stderr).toBe(0)
    expect(JSON.parse(twoBefore.stdout)).toEqual(JSON.parse(both.stdout))
  })

  it('writes the --png chart given before the name', async () => {
    const dir = tempDir()
    for (const name of ['winrate', 'losses', 'funnel', 'drivers', 'stalled']) {
      const file = join(dir, `${name}.png`)
      const run = await runCli('report', '--png', file, name, '--db', db, '--as-of', AS_OF)
      expect(run.code, `${name}: ${run.stderr}`).toBe(0)
      expect(run.stderr).toContain(`Chart written to ${file}`)
      expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG')
    }
    const empty = await runCli('report', '--png', '', 'winrate', '--db', db)
    expect(empty).toMatchObject({ code: 1, stdout: '' })
    expect(empty.stderr).toContain('--png needs the path of the PNG file to write.')
  })

  it('reads --months and --limit before the name, the value after the name winning', async () => {
    const months = await runCli('report', '--months', '2', 'winrate', '--db', db, '--as-of', AS_OF, '--json')
    expect(months.code, months.stderr).toBe(0)
    expect(JSON.parse(months.stdout).months.map((m: { month: string }) => m.month)).toEqual(['2024-03', '2024-04'])
    const wins = await runCli('report', '--months', '5', 'winrate', '--months', '2', '--db', db, '--as-of', AS_OF, '--json')
    expect(JSON.parse(wins.stdout)).toEqual(JSON.parse(months.stdout))
    const all = await runCli('report', 'stalled', '--db', db, '--as-of', AS_OF, '--json', '--limit', '0')
    const limited = await runCli('report', '--limit', '1', 'stalled', '--db', db, '--as-of', AS_OF, '--json')
    expect(limited.code, limited.stderr).toBe(0)
    expect(JSON.parse(all.stdout).stalled.length).toBeGreaterThan(0)
    expect(JSON.parse(limited.stdout)).toEqual(
      JSON.parse((await runCli('report', 'stalled', '--limit', '1', '--db', db, '--as-of', AS_OF, '--json')).stdout),
    )
  })

  it('refuses before the name an option the report does not take, and says how to give several --where', async () => {
    const dir = tempDir()
    const months = await runCli('report', '--months', '3', 'losses', '--db', db, '--json')
    expect(months).toMatchObject({ code: 1, stdout: '' })
    expect(months.stderr).toContain('pulse report losses does not take --months')
    const png = await runCli('report', '--png', join(dir, 's.png'), 'summary', '--db', db)
    expect(png).toMatchObject({ code: 1, stdout: '' })
    expect(png.stderr).toContain('pulse report summary does not take --png')
    expect(existsSync(join(dir, 's.png'))).toBe(false)
    const spaced = await runCli('report', '--where', 'region=EMEA', 'industry=SaaS', 'losses', '--db', db)
    expect(spaced).toMatchObject({ code: 1, stdout: '' })
    expect(spaced.stderr).toContain('give --where again for each filter')
  })

  it('takes several filters after one --where after the report name, as its --help shows (--where <field=value...>)', async () => {
    const help = await runCli('report', 'losses', '--help')
    expect(help.stdout).toContain('--where <field=value...>')
    const repeated = await runCli(
      'report',
      'losses',
      '--where',
      'region=EMEA',
      '--where',
      'industry=FinTech',
      '--db',
      db,
      '--as-of',
      AS_OF,
      '--json',
    )
    expect(repeated.code, repeated.stderr).toBe(0)
    expect(JSON.parse(repeated.stdout).where).toEqual({ region: 'EMEA', industry: 'FinTech' })
    for (const args of [
      ['report', 'losses', '--where', 'region=EMEA', 'industry=FinTech', '--db', db, '--as-of', AS_OF, '--json'],
      ['report', 'losses', '--db', db, '--where', 'region=EMEA', 'industry=FinTech', '--as-of', AS_OF, '--json'],
      ['report', '--json', 'losses', '--where', 'region=EMEA', 'industry=FinTech', '--db', db, '--as-of', AS_OF],
    ]) {
      const spaced = await runCli(...args)
      expect(spaced.code, `${args.join(' ')}: ${spaced.stderr}`).toBe(0)
      expect(JSON.parse(spaced.stdout)).toEqual(JSON.parse(repeated.stdout))
    }
  })

  it('refuses after a command’s name a common option it does not take, naming the command, and prints the version anywhere', async () => {
    const asOf = await runCli('rejected', '--as-of', AS_OF, '--db', db)
    expect(asOf).toMatchObject({ code: 1, stdout: '' })
    expect(asOf.stderr).toContain('pulse rejected does not take --as-of (run pulse rejected --help for its options).')
    const json = await runCli('serve', '--json', '--db', db)
    expect(json).toMatchObject({ code: 1, stdout: '' })
    expect(json.stderr).toContain('pulse serve does not take --json')
    const version = await runCli('--version')
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/)
    expect(await runCli('status', '--db', db, '--version')).toMatchObject({ code: 0, stdout: version.stdout })
  })

  it('says in the usage of --help that options go before the report name too', async () => {
    const help = await runCli('report', '--help')
    expect(help.stdout).toContain('Usage: pulse report [options] <report> [options]')
    for (const flag of ['--where <field=value>', '--png <file>', '--months <n>', '--limit <n>']) expect(help.stdout).toContain(flag)
    const winrate = await runCli('report', 'winrate', '--help')
    expect(winrate.stdout).toContain('Usage: pulse report [options] winrate [options]')
  })
})

describe('pulse with --db, --as-of and --json before the command name', () => {
  it('hands them to the command, report or not', async () => {
    const after = await runCli('status', '--db', db, '--json')
    const before = await runCli('--db', db, '--json', 'status')
    expect(before.code, before.stderr).toBe(0)
    expect(JSON.parse(before.stdout).deals).toEqual(JSON.parse(after.stdout).deals)
    expect(JSON.parse(before.stdout).deals).toBeDefined()

    const report = await runCli('--json', '--as-of', AS_OF, 'report', '--db', db, 'losses')
    expect(report.code, report.stderr).toBe(0)
    expect(JSON.parse(report.stdout)).toEqual(JSON.parse((await runCli('report', 'losses', '--db', db, '--as-of', AS_OF, '--json')).stdout))
  })

  it('lets the last value given win, and checks it as the command would', async () => {
    const missing = join(tempDir(), 'nope.db')
    const last = await runCli('--db', missing, 'report', '--db', missing, 'losses', '--db', db, '--as-of', AS_OF, '--json')
    expect(last.code, last.stderr).toBe(0)
    const notLast = await runCli('--db', db, 'report', 'losses', '--db', missing, '--as-of', AS_OF, '--json')
    expect(notLast).toMatchObject({ code: 1, stdout: '' })
    expect(notLast.stderr).toContain(`There is no Sales Pulse database at ${missing}`)
    const empty = await runCli('--db', '', '--json', 'status')
    expect(empty).toEqual(await runCli('status', '--db', '', '--json'))
    expect(empty).toMatchObject({ code: 1, stdout: '' })
  })

  it('refuses one the command does not take, naming the command', async () => {
    const run = await runCli('--as-of', AS_OF, 'status', '--db', db, '--json')
    expect(run).toMatchObject({ code: 1, stdout: '' })
    expect(run.stderr).toContain('pulse status does not take --as-of (run pulse status --help for its options).')
    const serve = await runCli('--json', 'serve', '--db', db)
    expect(serve).toMatchObject({ code: 1, stdout: '' })
    expect(serve.stderr).toContain('pulse serve does not take --json')
  })
})
