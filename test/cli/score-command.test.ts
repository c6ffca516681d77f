import stringWidth from 'string-width'
import { describe, expect, it } from 'vitest'
import { formatScoreReport } from '../../src/cli/commands/score-command.js'
import type { ScoreReport } from '../../src/services/score-open-deals.js'

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
