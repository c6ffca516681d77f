import { describe, expect, it } from 'vitest'
import { winrateText } from '../../src/analytics/report-text.js'
import type { WinrateMonth, WinrateReport } from '../../src/analytics/report-types.js'
import { winrateMonth } from '../helpers/winrate-month.js'

function report(months: WinrateMonth[]): WinrateReport {
  return {
    asOf: '2026-06-30',
    where: {},
    months,
    limitNote: 'Limits: test.',
    runSignals: [],
    openPipeline: { count: 0, amount: 0 },
    findings: [],
  } as unknown as WinrateReport
}

const row = (text: string, m: string) => text.split('\n').find((l) => l.startsWith(m)) ?? ''

describe('winrateText', () => {
  it('writes a LOW month that rounds to its limit with the decimals that tell them apart', () => {
    // The demo's March 2026: 71 of 273 won (26.01%) against a lower limit of 26.08%.
    const text = winrateText(report([winrateMonth('2026-03', 71, 202, 0.26076, 0.43364, 'low')]))
    expect(row(text, '2026-03')).toMatch(/ 26\.0% +35% +26\.1%-43% +LOW /)
  })

  it('does the same for a HIGH month, and keeps whole percents elsewhere', () => {
    const text = winrateText(
      report([
        winrateMonth('2026-03', 119, 154, 0.26, 0.4352, 'high'),
        winrateMonth('2026-04', 57, 191, 0.25651, 0.43789, 'low'),
        winrateMonth('2026-05', 90, 180, 0.26, 0.43, null),
      ]),
    )
    expect(row(text, '2026-03')).toMatch(/ 43\.6% +35% +26%-43\.5% +HIGH /)
    expect(row(text, '2026-04')).toMatch(/ 23% +35% +26%-44% +LOW /)
    expect(row(text, '2026-05')).toMatch(/ 33% +35% +26%-43% {2,}/)
  })

  it('marks a month with a baseline but no closed deal as such, not as having no baseline', () => {
    const empty = { ...winrateMonth('2026-04', 0, 0, 0, 0, null), winRate: null, lcl: null, ucl: null, limitMethod: null, z: null }
    const early = { ...empty, month: '2026-05', center: null, baselineFrom: null, baselineTo: null, baselineN: 0 }
    const text = winrateText(report([empty, early]))
    expect(row(text, '2026-04')).toMatch(/ n\/a +35% +none closed /)
    expect(row(text, '2026-05')).toMatch(/ n\/a +no baseline /)
  })
})
