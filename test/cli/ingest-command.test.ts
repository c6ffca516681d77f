import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { formatImportSummary } from '../../src/cli/commands/run-ingest-command.js'
import { openStore } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,sales_cycle_days,outcome'

describe('pulse ingest', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('says how many open deals have a last_activity_date after today, which reports cannot judge idle', async () => {
    vi.stubEnv('PULSE_AS_OF', '2024-06-01')
    const header = `${HEADER},last_activity_date`
    const rows = [
      'F1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,90000,,Open,2024-06-02',
      'F2,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,90000,,Open,2024-06-01',
      'F3,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,90000,30,Won,2024-09-01',
      'F4,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,90000,,Open,2025-01-15',
    ]
    const file = writeTempFile('future.csv', `${header}\n${rows.join('\n')}\n`)
    const run = await runCli('ingest', '--csv', file, '--db', join(tempDir(), 'f.db'))
    expect(run.code, run.stderr).toBe(0)
    // F1 and F4 (open); F2 is today, F3 is closed.
    expect(run.stdout).toContain(
      '2 open deals have a last_activity_date after today (2024-06-01): a day that has not come is a planned activity, not one done',
    )
    const json = JSON.parse((await runCli('ingest', '--csv', file, '--db', join(tempDir(), 'g.db'), '--json')).stdout)
    expect(json).toMatchObject({ activityAfterToday: 2, today: '2024-06-01' })
    // The same count when the file is parsed on a worker thread, as a large file is.
    const store = await openStore({ path: join(tempDir(), 'w.db') })
    try {
      const summary = await importCsvFile(store, { path: file, stages: ['Demo'], today: '2024-06-01', threads: 'worker' })
      expect(summary.activityAfterToday).toBe(2)
    } finally {
      await store.close()
    }
    const quiet = await runCli('ingest', '--csv', writeTempFile('past.csv', `${header}\n${rows[1]}\n`), '--db', join(tempDir(), 'h.db'))
    expect(quiet.stdout).not.toContain('after today')
  })

  it('says how many won or lost deals have a closed_date after today, which reports as of today count as open', async () => {
    vi.stubEnv('PULSE_AS_OF', '2024-06-01')
    const rows = [
      'C1,2024-01-02,2024-06-02,rep_1,SaaS,EMEA,Core,Inbound,Demo,90000,,Won',
      'C2,2024-01-02,2024-06-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,90000,,Lost',
      'C3,2024-01-02,2025-01-15T09:00:00Z,rep_1,SaaS,EMEA,Core,Inbound,Demo,90000,,Lost',
      'C4,2024-01-02,2024-07-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,90000,,Open',
    ]
    const file = writeTempFile('closed-later.csv', `${HEADER}\n${rows.join('\n')}\n`)
    const db = join(tempDir(), 'c.db')
    const run = await runCli('ingest', '--csv', file, '--db', db)
    expect(run.code, run.stderr).toBe(0)
    // C1 and C3; C2 closed today, C4 is open (its closed_date an expected one).
    expect(run.stdout).toContain(
      '2 won or lost deals have a closed_date after today (2024-06-01): a deal closes on the day it was won or lost, so reports as of today count them as still open',
    )
    // What the note says: as of today both are in the open pipeline, not in the win rate.
    const stalled = JSON.parse((await runCli('report', 'stalled', '--db', db, '--json')).stdout)
    expect(stalled).toMatchObject({ asOf: '2024-06-01', openCount: 3 })
    const json = JSON.parse((await runCli('ingest', '--csv', file, '--db', join(tempDir(), 'd.db'), '--json')).stdout)
    expect(json).toMatchObject({ closedAfterToday: 2, today: '2024-06-01' })
    const store = await openStore({ path: join(tempDir(), 'w.db') })
    try {
      const summary = await importCsvFile(store, { path: file, stages: ['Demo'], today: '2024-06-01', threads: 'worker' })
      expect(summary.closedAfterToday).toBe(2)
    } finally {
      await store.close()
    }
    const quiet = await runCli('ingest', '--csv', writeTempFile('closed.csv', `${HEADER}\n${rows[1]}\n`), '--db', join(tempDir(), 'e.db'))
    expect(quiet.stdout).not.toContain('after today')
  })

  it('says in one line how many deals an older export left as stored, counts it in --json, and the reports keep them where the store has them', async () => {
    const db = join(tempDir(), 'o.db')
    const newer = `${HEADER},stage_history\nO1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Proposal,100,,Open,Demo@2024-01-02;Proposal@2024-03-01\n`
    expect((await runCli('ingest', '--csv', writeTempFile('new.csv', newer), '--db', db)).code).toBe(0)
    const older = writeTempFile(
      'old.csv',
      `${HEADER},updated_date\nO1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,,Open,2024-02-01\n`,
    )
    const run = await runCli('ingest', '--csv', older, '--db', db, '--json')
    // Every row was read and found older than the store: nothing failed, so the import succeeds.
    expect(run.code, run.stderr).toBe(0)
    // O1 is kept as stored: not counted as updated, in --json, the text and pulse status alike.
    expect(JSON.parse(run.stdout)).toMatchObject({ read: 1, inserted: 0, updated: 0, rejected: 0, staysKeptFromStore: 1 })
    const again = await runCli('ingest', '--csv', older, '--db', db)
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toContain(': 0 new, 0 updated, 1 kept as stored (older than the store), 0 rejected.')
    const status = await runCli('status', '--db', db, '--json')
    expect(JSON.parse(status.stdout).lastImport).toMatchObject({ read: 1, inserted: 0, updated: 0, staysKeptFromStore: 1, rejected: 0 })
    expect((await runCli('status', '--db', db)).stdout).toMatch(
      /Last import: .*old\.csv done .*: 1 row read, 0 new, 0 updated, 1 kept as stored \(older than the store\), 0 rejected\./,
    )
    const text = formatImportSummary({ ...JSON.parse(run.stdout), staysKeptFromStore: 2 })
    expect(text.split('\n').filter((l) => l.includes('stage history'))).toEqual([
      '2 deals were kept as stored, not as the file has them: the file dates their stage change before their stored stage history ends, so its rows are older than what is stored (an older export?), and recording the change would close a stay before it began. Import the newer export, or add a stage_history column, to change them.',
    ])
    // The funnel (from the rollup as of the newest day, from the deals as of an earlier one) has O1 open in Proposal.
    for (const asOf of ['2024-04-01', '2024-03-15']) {
      const funnel = await runCli('report', 'funnel', '--db', db, '--as-of', asOf, '--json')
      expect(funnel.code, funnel.stderr).toBe(0)
      const open = (JSON.parse(funnel.stdout) as { stages: Array<{ stage: string; open: number }> }).stages.map((s) => [s.stage, s.open])
      expect(open.filter(([, n]) => n !== 0)).toEqual([['Proposal', 1]])
    }
  })

  it('counts a stage dated before the deal was created from its created date, says how many rows that touched, and reports agree', async () => {
    vi.stubEnv('PULSE_AS_OF', '2024-06-01')
    const header = `${HEADER},last_activity_date,stage_entered_date,stage_history`
    const rows = [
      // In Demo since "2023-09-01", created 2024-03-01: 92 days old on 2024-06-01.
      'B1,2024-03-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,90000,,Open,2024-04-01,2023-09-01,',
      // Its history starts before its creation too; its open stay (Proposal) began on 2024-05-02.
      'B2,2024-03-01,,rep_1,SaaS,EMEA,Core,Inbound,Proposal,90000,,Open,2024-04-01,,Demo@2023-12-01;Proposal@2024-05-02',
      'B3,2024-03-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,90000,,Open,2024-04-01,2024-03-10,',
    ]
    const file = writeTempFile('early-stage.csv', `${header}\n${rows.join('\n')}\n`)
    const db = join(tempDir(), 'early.db')
    const run = await runCli('ingest', '--csv', file, '--db', db)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain(
      "2 rows date a stage (stage_entered_date or stage_history) before the deal's created_date: those stages count from the created date",
    )
    const json = JSON.parse((await runCli('ingest', '--csv', file, '--db', join(tempDir(), 'early2.db'), '--json')).stdout)
    expect(json).toMatchObject({ read: 3, inserted: 3, stageBeforeCreated: 2 })
    const stalled = JSON.parse((await runCli('report', 'stalled', '--db', db, '--json')).stdout) as {
      stalled: Array<{ dealId: string; daysInStage: number }>
    }
    expect(Object.fromEntries(stalled.stalled.map((d) => [d.dealId, d.daysInStage]))).toEqual({ B1: 92, B2: 30, B3: 83 })
    // The time-in-stage figures read the same stays: B2's Demo stay ran from its creation to May 2 (62 days).
    const store = await openStore({ path: db })
    try {
      const stays = await store.db
        .selectFrom('stage_history')
        .select(['deal_id', 'stage', 'entered_at', 'left_at'])
        .orderBy('entered_at')
        .execute()
      expect(stays).toEqual([
        { deal_id: 'B2', stage: 'Demo', entered_at: '2024-03-01', left_at: '2024-05-02' },
        { deal_id: 'B2', stage: 'Proposal', entered_at: '2024-05-02', left_at: null },
      ])
      const summary = await importCsvFile(store, { path: file, stages: ['Demo', 'Proposal'], today: '2024-06-01', threads: 'worker' })
      expect(summary.stageBeforeCreated).toBe(2)
    } finally {
      await store.close()
    }
  })

  it('leaves no database behind when the file proves unusable only in its rows (won deals, no closed_date column)', async () => {
    const header = 'deal_id,created_date,Close Date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'
    const file = writeTempFile(
      'nc.csv',
      `${header}\nD1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Open\nD2,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Won\n`,
    )
    const db = join(tempDir(), 'nc.db')
    const run = await runCli('ingest', '--csv', file, '--db', db)
    expect(run.code).not.toBe(0)
    expect(run.stderr).toMatch(/no closed_date column.*--map closed_date="Close Date"/)
    expect(existsSync(db)).toBe(false)
    expect(existsSync(`${db}-wal`)).toBe(false)
  })

  it('leaves no database behind when bytes far into the file are not UTF-8', async () => {
    const rows = Array.from({ length: 6000 }, (_, i) => `D${i},2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,30,Won`)
    // A Windows-1252 "é" (0xE9) in a deal's industry, after some 400 KB of good rows.
    const good = Buffer.from(`${HEADER}\n${rows.join('\n')}\n`)
    const bad = Buffer.concat([
      Buffer.from('D9999,2024-01-02,2024-02-01,rep_1,Sant'),
      Buffer.from([0xe9]),
      Buffer.from(',EMEA,Core,Inbound,Demo,100,30,Won\n'),
    ])
    const file = writeTempFile('cp1252.csv', Buffer.concat([good, bad]))
    const db = join(tempDir(), 'cp.db')
    const run = await runCli('ingest', '--csv', file, '--db', db)
    expect(run.code).not.toBe(0)
    expect(run.stderr).toMatch(/is not UTF-8 text .*nothing was imported/)
    expect(existsSync(db)).toBe(false)
    expect(existsSync(`${db}-wal`)).toBe(false)
  })

  it('prints a summary with the first rejected rows and exits 0 when some rows imported', async () => {
    const db = join(tempDir(), 'p.db')
    const file = writeTempFile(
      'd.csv',
      `${HEADER}\nD1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,30,Won\nD2,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,abc,,Open\n`,
    )
    const run = await runCli('ingest', '--csv', file, '--db', db)
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('1 new, 0 updated, 1 rejected')
    expect(run.stdout).toContain('line 3: deal_amount "abc" is not a number')
  })

  it('pulse status shows the last import with its counts', async () => {
    const db = join(tempDir(), 'p.db')
    const file = writeTempFile(
      'd.csv',
      `${HEADER}\nD1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,30,Won\nD2,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,abc,,Open\n`,
    )
    await runCli('ingest', '--csv', file, '--db', db)
    const json = await runCli('status', '--db', db, '--json')
    expect(JSON.parse(json.stdout).lastImport).toMatchObject({
      file,
      status: 'done',
      read: 2,
      inserted: 1,
      updated: 0,
      staysKeptFromStore: 0,
      rejected: 1,
    })
    const text = await runCli('status', '--db', db)
    expect(text.stdout).toMatch(/Last import: .*d\.csv done .*: 2 rows read, 1 new, 0 updated, 1 rejected\./)
    expect(text.stdout).toContain('Data: 1 deal (csv 1): 0 open, 1 won, 0 lost; 1 owner; ')
  })

  it('names a --db whose folder is a file as such, instead of an error of its own in removing what it did not create', async () => {
    const file = writeTempFile('d.csv', `${HEADER}\nD1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,30,Won\n`)
    const notFolder = writeTempFile('deals', 'a file, not a folder')
    const db = join(notFolder, 'pulse.db')
    const run = await runCli('ingest', '--csv', file, '--db', db)
    expect(run).toMatchObject({ code: 1, stdout: '' })
    expect(run.stderr).toContain(`Cannot open the database at ${db}: its folder ${notFolder} is a file, not a folder`)
    expect(run.stderr).not.toContain('Something went wrong')
  })

  it('prints only JSON on stdout with --json', async () => {
    const db = join(tempDir(), 'p.db')
    const file = writeTempFile('d.csv', `${HEADER}\nD1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,30,Won\n`)
    const run = await runCli('ingest', '--csv', file, '--db', db, '--json')
    expect(JSON.parse(run.stdout)).toMatchObject({ read: 1, inserted: 1, rejected: 0 })
  })

  it('refuses an empty --db (an unset shell variable) instead of importing into a database that vanishes', async () => {
    const file = writeTempFile('d.csv', `${HEADER}\nD1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,30,Won\n`)
    for (const args of [['ingest', '--csv', file], ['report', 'winrate'], ['demo'], ['serve']]) {
      const run = await runCli(...args, '--db', '')
      expect(run, args.join(' ')).toMatchObject({ code: 1, stdout: '' })
      expect(run.stderr).toContain('--db needs the path of a database file; leave --db out to use the default.')
    }
  })

  it('refuses "-" as a path (standard input or output by custom) instead of reading or writing a file named "-"', async () => {
    const dir = tempDir()
    const db = join(dir, 'p.db')
    for (const args of [
      ['ingest', '--csv', '-', '--db', db],
      ['sample', '--out', '-'],
      ['report', 'losses', '--png', '-', '--db', db],
      ['report', 'winrate', '--db', '-'],
    ]) {
      const run = await runCli(...args)
      expect(run, args.join(' ')).toMatchObject({ code: 1, stdout: '' })
      expect(run.stderr).toContain('"-" (standard input or output) is not supported here.')
    }
    expect(existsSync(join(dir, '-'))).toBe(false)
    expect(existsSync('-')).toBe(false)
  })

  it('reads a header named twice from its first column, says so on stderr, and keeps --json clean', async () => {
    const db = join(tempDir(), 'p.db')
    const file = writeTempFile(
      'd.csv',
      `${HEADER},Region ,note,NOTE\nD1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,30,Won,APAC,first,second\n`,
    )
    const run = await runCli('ingest', '--csv', file, '--db', db, '--json')
    expect(JSON.parse(run.stdout)).toMatchObject({ inserted: 1, rejected: 0 })
    expect(run.stderr).toContain('The header names "region" 2 times (columns 6, 13): column 6 is read, the other is ignored.')
    expect(run.stderr).toContain('The header names "note" 2 times (columns 14, 15): column 14 is read, the other is ignored.')
    const store = await openStore({ path: db })
    try {
      const deal = await store.db.selectFrom('deals').select(['region', 'extra']).executeTakeFirstOrThrow()
      expect(deal.region).toBe('EMEA')
      expect(JSON.parse(deal.extra ?? '{}')).toEqual({ note: 'first' })
    } finally {
      await store.close()
    }
  })

  it('refuses an empty --csv, --out or --png, naming the option, instead of skipping the chart or failing on a path of nothing', async () => {
    const db = join(tempDir(), 'p.db')
    for (const [args, message] of [
      [['ingest', '--csv', '', '--db', db], '--csv needs the path of the CSV file to import.'],
      [['sample', '--out', ''], '--out needs the path of the CSV file to write.'],
      [['demo', '--out', ' ', '--db', db], '--out needs the path of a folder.'],
      [['report', 'losses', '--png', '', '--db', db], '--png needs the path of the PNG file to write.'],
    ] as const) {
      const run = await runCli(...args)
      expect(run, args.join(' ')).toMatchObject({ code: 1, stdout: '' })
      expect(run.stderr).toContain(message)
    }
    expect(existsSync(db)).toBe(false)
  })

  it('refuses a second --csv before creating the database, instead of importing the last file alone', async () => {
    const first = writeTempFile('q1.csv', `${HEADER}\nD1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,30,Won\n`)
    const second = writeTempFile('q2.csv', `${HEADER}\nD2,2024-04-02,2024-05-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,29,Lost\n`)
    const db = join(tempDir(), 'two.db')
    const run = await runCli('ingest', '--csv', first, '--csv', second, '--db', db, '--json')
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(
      `--csv is given twice ("${first}" and "${second}"), and pulse ingest imports one file; nothing was imported. Run it once for each file.\n`,
    )
    expect(existsSync(db)).toBe(false)
  })

  it('exits non-zero with a next step when no row could be imported', async () => {
    const db = join(tempDir(), 'p.db')
    const file = writeTempFile('d.csv', `${HEADER}\nD2,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,abc,,Open\n`)
    const run = await runCli('ingest', '--csv', file, '--db', db)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/No row of .* could be imported/)
  })

  it('names the missing columns and exits non-zero for an unusable file', async () => {
    const run = await runCli('ingest', '--csv', writeTempFile('d.csv', 'a,b\n1,2\n'), '--db', join(tempDir(), 'p.db'))
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/lacks required columns deal_id, created_date/)
  })

  it.each([
    ['missing required columns', 'a,b\n1,2\n', /lacks required columns/],
    ['a header without rows', `${HEADER}\n`, /has a header but no deal rows/],
    ['a JSON file', '[{"deal_id": "D1"}]\n', /looks like JSON, not CSV/],
  ])('refuses %s without creating the database file', async (_name, text, message) => {
    const db = join(tempDir(), 'new.db')
    const run = await runCli('ingest', '--csv', writeTempFile('d.csv', text), '--db', db)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(message)
    expect(existsSync(db)).toBe(false)
  })

  it('quarantines rows that do not line up with the header, with their own line numbers after a multi-line value', async () => {
    const db = join(tempDir(), 'p.db')
    const file = writeTempFile(
      'd.csv',
      [
        HEADER,
        'D1,2024-01-02,,rep_1,"Soft\r\nware",EMEA,Core,Inbound,Demo,100,,Open',
        'D2,2024-01-02,,rep_1,SaaS,EMEA',
        'D3,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,12,500,,Open',
        'D4,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,,Open',
      ].join('\r\n'),
    )
    const run = await runCli('ingest', '--csv', file, '--db', db)
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('2 new, 0 updated, 2 rejected')
    expect(run.stdout).toContain('line 4: the row has 6 fields but the header has 12')
    expect(run.stdout).toContain(
      'line 5: the row has 13 fields but the header has 12: a separator (a comma, say) inside a value that is not quoted?',
    )
  })

  it('refuses a --map to a header the file lacks, even for an optional column, before creating the database', async () => {
    const db = join(tempDir(), 'new.db')
    const file = writeTempFile('d.csv', `${HEADER}\nD1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,30,Won\n`)
    const run = await runCli('ingest', '--csv', file, '--db', db, '--map', 'last_activity_date=Last Activity')
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('--map last_activity_date="Last Activity" names a header the file does not have')
    expect(existsSync(db)).toBe(false)
  })

  it('refuses a column mapped to two headers, naming both, before creating the database', async () => {
    const db = join(tempDir(), 'new.db')
    const header = HEADER.replace('deal_amount', 'Value A,Value B')
    const file = writeTempFile('d.csv', `${header}\nD1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,200,30,Won\n`)
    const run = await runCli('ingest', '--csv', file, '--db', db, '--map', 'deal_amount=Value A', '--map', 'deal_amount=Value B')
    expect(run).toMatchObject({ code: 1, stdout: '' })
    expect(run.stderr).toContain('--map gives deal_amount twice ("Value A" and "Value B"); a column reads one header, so map it once.')
    expect(existsSync(db)).toBe(false)
    const same = await runCli('ingest', '--csv', file, '--db', db, '--map', 'deal_amount=Value A', '--map', 'deal_amount=value a')
    expect(same.code, same.stderr).toBe(0)
  })

  it('tells lost deals left at Closed Lost apart from stages missing from PULSE_STAGES, whose fix would not place them', async () => {
    const db = join(tempDir(), 'p.db')
    const file = writeTempFile(
      'd.csv',
      `${HEADER},stage_history\n` +
        'L1,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Closed Lost,100,30,Lost,\n' +
        'L2,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,closed lost,100,30,Lost,\n' +
        'L3,2024-01-02,2024-02-01,rep_1,SaaS,EMEA,Core,Inbound,Closed Lost,100,30,Lost,Qualified@2024-01-02;Demo@2024-01-10\n' +
        'O1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Discovery,100,,Open,\n',
    )
    const run = await runCli('ingest', '--csv', file, '--db', db)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('Stages not in the stage order (set PULSE_STAGES to include them): Discovery.\n')
    expect(run.stdout).toContain('2 lost deals have deal_stage Closed Lost or closed lost and no stage_history showing an earlier stage')
    const json = await runCli('ingest', '--csv', file, '--db', db, '--json')
    expect(JSON.parse(json.stdout)).toMatchObject({
      unknownStages: ['Discovery'],
      lostAtClosedStage: [
        { stage: 'Closed Lost', deals: 1 },
        { stage: 'closed lost', deals: 1 },
      ],
    })
  })
})
