import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const HEADER = 'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'
const BAD_DATE = 'D2,2024-13-02,,r1,SaaS,EMEA,Core,Inbound,Demo,100,Open'
const NEGATIVE = 'D3,2024-01-02,,r1,SaaS,EMEA,Core,Inbound,Demo,-5,Open'

describe('pulse rejected', () => {
  it('is named with its page size when an import rejected more rows than it lists at once', async () => {
    const db = join(tempDir(), 'p.db')
    const bad = Array.from({ length: 60 }, (_, i) => `B${i},2024-01-02,,r1,SaaS,EMEA,Core,Inbound,Demo,-5,Open`)
    const run = await runCli(
      'ingest',
      '--csv',
      writeTempFile('many.csv', `${[HEADER, 'D1,2024-01-02,,r1,SaaS,EMEA,Core,Inbound,Demo,5,Open', ...bad].join('\n')}\n`),
      '--db',
      db,
    )
    expect(run.stdout).toContain(`\`pulse rejected 1 --db ${db}\` lists them with their text, 50 at a time; add --limit 0 for all 60):`)
    const text = await runCli('rejected', '--db', db)
    expect(text.stdout.match(/^line \d+: /gm)).toHaveLength(50)
    expect(text.stdout).toContain('... and 10 more (--limit 0 lists all).')
    // A program reading --json gets every row unless it asks for fewer.
    const listed = await runCli('rejected', '--db', db, '--json')
    expect(JSON.parse(listed.stdout).rows).toHaveLength(60)
    const fewer = await runCli('rejected', '--db', db, '--json', '--limit', '50')
    expect(JSON.parse(fewer.stdout).rows.map((r: { line: number }) => r.line)).toEqual(Array.from({ length: 50 }, (_, i) => i + 3))
  })

  it('lists every row of a quarantine larger than a page, in line order, as one JSON document (with a U+2028 in a row kept whole)', async () => {
    const db = join(tempDir(), 'p.db')
    const bad = Array.from({ length: 2345 }, (_, i) => `B${i},2024-01-02,,r1,SaaS,EMEA,Core,Inbound,Demo\u2028x,-5,Open`)
    await runCli(
      'ingest',
      '--csv',
      writeTempFile('many.csv', `${[HEADER, 'D1,2024-01-02,,r1,SaaS,EMEA,Core,Inbound,Demo,5,Open', ...bad].join('\n')}\n`),
      '--db',
      db,
    )
    const listed = await runCli('rejected', '--db', db, '--json')
    expect(listed.code, listed.stderr).toBe(0)
    const out = JSON.parse(listed.stdout)
    expect(listed.stdout).toBe(`${JSON.stringify(out, null, 2)}\n`)
    expect(out).toMatchObject({ runId: 1, rejected: 2345 })
    expect(out.rows.map((r: { line: number }) => r.line)).toEqual(Array.from({ length: 2345 }, (_, i) => i + 3))
    expect(out.rows.map((r: { raw: string }) => r.raw)).toEqual(bad)
    const last = await runCli('rejected', '--db', db, '--limit', '0')
    expect(last.stdout.match(/^line \d+: /gm)).toHaveLength(2345)
    expect(last.stdout).not.toContain('more (--limit 0 lists all)')
    const help = await runCli('rejected', '--help')
    expect(help.stdout).toMatch(/--limit <n>\s+rows listed \(default 50, all with\s+--json; 0 = all\)/)
  })

  it('is named, after an import into a database given with --db, as a command that lists the rows of that import as pasted', async () => {
    const db = join(tempDir(), 'my deals', 'p.db')
    const run = await runCli('ingest', '--csv', writeTempFile('c.csv', `${[HEADER, BAD_DATE].join('\n')}\n`), '--db', db)
    const named = /`pulse (rejected [^`]+)`/.exec(run.stdout)?.[1] ?? ''
    // The words a POSIX shell makes of it: single quotes keep a path with a space whole.
    const words = [...named.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '')
    const listed = await runCli(...words)
    expect(listed.code, `pulse ${named}\n${listed.stderr}`).toBe(0)
    expect(listed.stdout).toContain(`line 2: created_date "2024-13-02" is not a date`)
    expect(listed.stdout).toContain(BAD_DATE)
  })

  it('lists the rows the latest import quarantined, with their line, reason and text, or those of a run named', async () => {
    const db = join(tempDir(), 'p.db')
    const good = 'D1,2024-01-02,2024-02-01,r1,SaaS,EMEA,Core,Inbound,Proposal,100,Won'
    const first = await runCli('ingest', '--csv', writeTempFile('a.csv', `${[HEADER, good, BAD_DATE, NEGATIVE].join('\n')}\n`), '--db', db)
    expect(first.stdout).toContain(`Rejected rows (kept in the database: \`pulse rejected 1 --db ${db}\` lists them with their text):`)
    // A later clean import does not hide the quarantine of the one before.
    await runCli('ingest', '--csv', writeTempFile('b.csv', `${[HEADER, good].join('\n')}\n`), '--db', db)

    const json = await runCli('rejected', '--db', db, '--json')
    expect(json.code, json.stderr).toBe(0)
    const r = JSON.parse(json.stdout)
    expect(r).toMatchObject({ runId: 1, rejected: 2 })
    expect(r.rows).toEqual([
      { line: 3, reason: 'created_date "2024-13-02" is not a date (use YYYY-MM-DD or an ISO date-time)', raw: BAD_DATE },
      { line: 4, reason: 'deal_amount "-5" is negative', raw: NEGATIVE },
    ])

    const text = await runCli('rejected', '1', '--db', db, '--limit', '1')
    expect(text.stdout).toContain(`line 3: created_date "2024-13-02" is not a date`)
    expect(text.stdout).toContain(`  ${BAD_DATE}`)
    expect(text.stdout).not.toContain(NEGATIVE)
    expect(text.stdout).toContain('... and 1 more (--limit 0 lists all).')

    const missing = await runCli('rejected', '7', '--db', db)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain(`There is no import run 7; \`pulse status --db ${db}\` shows the last import.`)
  })

  it('says when no import has rejected a row', async () => {
    const db = join(tempDir(), 'p.db')
    await runCli(
      'ingest',
      '--csv',
      writeTempFile('a.csv', `${HEADER}\nD1,2024-01-02,,r1,SaaS,EMEA,Core,Inbound,Demo,100,Open\n`),
      '--db',
      db,
    )
    const none = await runCli('rejected', '--db', db)
    expect(none.code).toBe(0)
    expect(none.stdout).toContain('No import has rejected a row')
    const json = await runCli('rejected', '--db', db, '--json')
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual({ runId: null, file: null, startedAt: null, rejected: 0, rows: [] })
  })
})
