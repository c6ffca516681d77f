import { join } from 'node:path'
import stringWidth from 'string-width'
import { describe, expect, it } from 'vitest'
import { formatScoreReport } from '../../src/cli/commands/run-score-command.js'
import type { ScoreReport } from '../../src/services/score-open-deals.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

const report = {
  modelId: 1,
  asOf: '2024-07-20',
  informative: true,
  verdict: 'The model ranks the newest 100 closed deals better than chance.',
  deals: ['D1', 'D2', 'D3'].map((dealId, i) => ({
    dealId,
    winProbability: 0.2 + i / 10,
    healthScore: 20 + i,
    reasons: ['Inbound: similar deals won 20% (n=40)'],
  })),
} as unknown as ScoreReport

const listed = (text: string) => text.split('\n').filter((l) => /^ {2}D\d/.test(l)).length

describe('pulse score text', () => {
  it('lists every deal with --limit 0, as report stalled does', () => {
    const text = formatScoreReport(report, 0)
    expect(text).toMatch(/^Least healthy 3 /m)
    expect(listed(text)).toBe(3)
  })

  it('says how many more deals a shorter list leaves out', () => {
    const text = formatScoreReport(report, 2)
    expect(listed(text)).toBe(2)
    expect(text).toMatch(/\.\.\. 1 more \(use --limit 0 to list all\)$/)
    expect(formatScoreReport(report, 20)).not.toMatch(/more \(use --limit 0/)
  })
})

describe('pulse score text with deal ids of different lengths', () => {
  it('puts every health figure in one terminal column (long and CJK ids included)', () => {
    const ids = ['D1', 'OPP-2024-000123', '案件7']
    const text = formatScoreReport({ ...report, deals: report.deals.map((d, i) => ({ ...d, dealId: ids[i] as string })) } as ScoreReport, 0)
    const rows = text.split('\n').filter((l) => /^ {2}\S/.test(l) && l.includes(' health '))
    expect(rows).toHaveLength(3)
    expect(new Set(rows.map((l) => stringWidth(l.slice(0, l.indexOf(' health ')))))).toEqual(new Set([stringWidth('  OPP-2024-000123 ')]))
  })
})

describe('the next command pulse train and pulse score name', () => {
  /** The words a POSIX shell makes of a suggested `pulse ...` command (single quotes keep a path whole). */
  const words = (command: string) => [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '')

  it('reads the database the command was given with --db, as pasted', async () => {
    const dir = join(tempDir(), 'my deals')
    const db = join(dir, 'p.db')
    const csv = join(dir, 'deals.csv')
    expect((await runCli('sample', '--out', csv, '--deals', '600', '--as-of', '2026-06-30')).code).toBe(0)
    expect((await runCli('ingest', '--csv', csv, '--db', db)).code).toBe(0)

    const train = await runCli('train', '--db', db, '--as-of', '2026-06-30')
    expect(train.code, train.stderr).toBe(0)
    const fromTrain = /run `pulse (score[^`]*)`/.exec(train.stdout)?.[1] ?? ''
    const scored = await runCli(...words(fromTrain))
    expect(scored.code, `pulse ${fromTrain}\n${scored.stderr}`).toBe(0)
    expect(scored.stdout).toMatch(/^Scored \d+ open deals as of /)

    const lookBack = await runCli('score', '--db', db, '--as-of', '2026-06-30')
    expect(lookBack.code, lookBack.stderr).toBe(0)
    const fromScore = /Run `pulse (score[^`]*)` without --as-of/.exec(lookBack.stdout)?.[1] ?? ''
    const stored = await runCli(...words(fromScore))
    expect(stored.code, `pulse ${fromScore}\n${stored.stderr}`).toBe(0)
    expect(stored.stdout).not.toContain('Not stored')
  }, 60_000)
})

describe('pulse score --limit', () => {
  it('lists every open deal with --json, the least healthy N with --json --limit N, and 20 in the text by default', async () => {
    const dir = tempDir()
    const db = join(dir, 'p.db')
    const csv = join(dir, 'deals.csv')
    expect((await runCli('sample', '--out', csv, '--deals', '600', '--as-of', '2026-06-30')).code).toBe(0)
    expect((await runCli('ingest', '--csv', csv, '--db', db)).code).toBe(0)
    expect((await runCli('train', '--db', db, '--as-of', '2026-06-30')).code).toBe(0)
    const score = (...args: string[]) => runCli('score', '--db', db, '--as-of', '2026-06-30', ...args)

    const all = JSON.parse((await score('--json')).stdout)
    expect(all.deals.length).toBeGreaterThan(20)
    expect(all.scoredCount).toBe(all.deals.length)

    const limited = await score('--json', '--limit', '3')
    expect(limited.code, limited.stderr).toBe(0)
    const three = JSON.parse(limited.stdout)
    expect(three.deals).toEqual(all.deals.slice(0, 3))
    expect(Object.keys(three.deals[0])).toEqual(Object.keys(all.deals[0]))
    expect(three.scoredCount).toBe(all.deals.length)
    expect(JSON.parse((await score('--json', '--limit', '0')).stdout).deals).toHaveLength(all.deals.length)

    const text = (await score()).stdout
    expect(listed(text)).toBe(20)
    expect(text).toContain(`... ${all.deals.length - 20} more (use --limit 0 to list all)`)
  }, 60_000)
})
