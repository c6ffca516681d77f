import { describe, expect, it } from 'vitest'
import { winrateText } from '../../src/analytics/report-text.js'
import { volumeFallP, winrateReport } from '../../src/analytics/winrate-report.js'
import { winrateChart } from '../../src/charts/winrate-chart.js'
import { monthRange } from '../../src/domain/dates.js'

/** Ten won and ten lost deals closed (and twenty created) in each month from `from` to `to`. */
function steadyMonths(from: string, to: string) {
  const months = monthRange(from, to)
  return {
    outcomes: months.map((month) => ({ month, won: 10, lost: 10, wonAmount: 1e5, lostAmount: 1e5 })),
    created: months.map((month) => ({ month, created: 20, createdAmount: 2e5 })),
  }
}

describe('winrateReport findings', () => {
  it('says where the data is when nothing closed in the months shown but earlier months hold closes', () => {
    const report = winrateReport(steadyMonths('2023-06', '2024-07'), { asOf: '2026-11-26' })
    expect(report.months.every((m) => m.won + m.lost === 0)).toBe(true)
    expect(report.findings.map((f) => f.key)).toEqual(['winrate_no_recent:2024-07'])
    expect(report.findings[0]?.text).toContain('the newest closes in the data are from Jul 2024')
    expect(report.findings[0]?.text).toContain('12 months shown (Dec 2025-Nov 2026)')
    // The history is long enough: the months shown simply closed nothing.
    expect(report.limitNote).toBe('No month shown has closed deals to judge; the centre, 50%, is the pooled win rate of Aug 2023-Jul 2024.')
  })

  it('does not say no month shown closed a deal when one did but had too little history before it to be judged', () => {
    // Jan-Apr hold 28 closes (too few for May's baseline); with May's 5 they are enough for June's.
    const outcomes = [
      ...monthRange('2024-01', '2024-04').map((month) => ({ month, won: 3, lost: 4, wonAmount: 3e3, lostAmount: 4e3 })),
      { month: '2024-05', won: 2, lost: 3, wonAmount: 2e3, lostAmount: 3e3 },
    ]
    const report = winrateReport({ outcomes, created: [] }, { asOf: '2024-06-15', months: 2 })
    expect(report.months.map((m) => [m.month, m.won + m.lost, m.center === null])).toEqual([
      ['2024-05', 5, true],
      ['2024-06', 0, false],
    ])
    expect(report.limitNote).not.toMatch(/No month shown has closed deals/)
    expect(report.limitNote).toMatch(/^Not enough history to judge any month/)
  })

  it('keeps "not enough history" for a store whose few months are all shown', () => {
    const report = winrateReport(steadyMonths('2024-05', '2024-07'), { asOf: '2024-07-20' })
    expect(report.findings.map((f) => f.key)).toEqual(['winrate_no_baseline'])
    expect(report.limitNote).toMatch(/^Not enough history to judge any month/)
  })

  it('says every closed deal was lost (or won), as the chart title does, instead of calling a long one-outcome history too short', () => {
    const months = monthRange('2025-01', '2025-08')
    const oneSided = (won: number, lost: number, where?: Record<string, string>) =>
      winrateReport(
        {
          outcomes: months.map((month) => ({ month, won, lost, wonAmount: won * 1e3, lostAmount: lost * 1e3 })),
          created: months.map((month) => ({ month, created: 10, createdAmount: 1e4 })),
        },
        { asOf: '2025-09-10', ...(where ? { where } : {}) },
      )
    const lost = oneSided(0, 10)
    expect(lost.findings.map((f) => [f.key, f.significant])).toEqual([['winrate_one_outcome:2025-08', false]])
    expect(lost.findings[0]!.text).toBe(
      'None of the 80 deals closed from Jan 2025 to Aug 2025 was won: no normal range to judge the win rate by.',
    )
    expect(`${winrateChart(lost).title}.`).toBe(lost.findings[0]!.text)
    expect(lost.limitNote).toMatch(/^No month can be judged: every closed deal shown had the same outcome/)
    const won = oneSided(10, 0, { region: 'EMEA' })
    expect(won.findings[0]!.text).toBe(
      'All 80 deals (EMEA) closed from Jan 2025 to Aug 2025 were won: no normal range to judge the win rate by.',
    )
    // Three complete months before the latest are too little history whatever their outcomes.
    const short = winrateReport(
      { outcomes: months.slice(-4).map((month) => ({ month, won: 0, lost: 10, wonAmount: 0, lostAmount: 1e4 })), created: [] },
      { asOf: '2025-09-10' },
    )
    expect(short.findings.map((f) => f.key)).toEqual(['winrate_no_baseline'])
  })

  it('does not call the history too short when only the partial month is shown', () => {
    const report = winrateReport(steadyMonths('2023-01', '2024-07'), { asOf: '2024-07-20', months: 1 })
    expect(report.months.map((m) => [m.month, m.partial])).toEqual([['2024-07', true]])
    expect(report.findings.map((f) => [f.key, f.significant])).toEqual([['winrate_partial_only:2024-07', false]])
    expect(report.findings[0]!.text).toMatch(
      /^Jul 2024 is still under way, so it is not judged: 50% so far for 20 closed deals \(normal range \d+%-\d+%\)/,
    )
    expect(report.limitNote).toMatch(/^Limits: centre = pooled win rate/)
  })

  it('dates "no month outside its limits" from the first month judged, not from months shown without data or baseline', () => {
    // 24 months asked for, from Aug 2022; deals close from Jan 2023, and May 2023 is the first month with 4 months of baseline.
    const report = winrateReport(steadyMonths('2023-01', '2024-07'), { asOf: '2024-07-20', months: 24 })
    expect(report.months[0]?.month).toBe('2023-01')
    const firstJudged = report.months.find((m) => m.lcl !== null)?.month
    expect(firstJudged).toBe('2023-05')
    expect(report.findings[0]?.text).toMatch(/; no month since May 2023 is outside its limits\.$/)
  })

  it('leaves out the months before the first deal, in JSON, text and chart, and says so', () => {
    // 54 months of data, 120 asked for: the 66 empty months before the data are not drawn or listed.
    const report = winrateReport(steadyMonths('2021-04', '2025-09'), { asOf: '2025-09-10', months: 120 })
    expect(report.months).toHaveLength(54)
    expect(report.months[0]?.month).toBe('2021-04')
    expect(report.monthsNote).toBe('Shown from Apr 2021, the first month with a deal created or closed (54 months, not 120).')
    expect(winrateText(report)).toContain(report.monthsNote)
    expect(winrateText(report)).not.toContain('2021-03')
    expect(JSON.stringify(winrateChart(report).spec)).not.toContain('2021-03')
    // Data reaching back past the months asked for: nothing left out, no note.
    const full = winrateReport(steadyMonths('2021-04', '2025-09'), { asOf: '2025-09-10', months: 12 })
    expect(full.months).toHaveLength(12)
    expect(full.monthsNote).toBeUndefined()
  })

  it('answers more months than a report shows with its most, 120, and says so', () => {
    // 150 months of data, 400 asked for: the latest 120 are shown.
    const report = winrateReport(steadyMonths('2013-04', '2025-09'), { asOf: '2025-09-10', months: 400 })
    expect(report.months).toHaveLength(120)
    expect(report.months[0]?.month).toBe('2015-10')
    expect(report.monthsNote).toBe('Shown: the latest 120 months, the most a win-rate report shows (not 400).')
    // Data starting inside the 120 months: the note names the months asked for.
    const short = winrateReport(steadyMonths('2021-04', '2025-09'), { asOf: '2025-09-10', months: 400 })
    expect(short.months).toHaveLength(54)
    expect(short.monthsNote).toBe('Shown from Apr 2021, the first month with a deal created or closed (54 months, not 400).')
    // No data at all: still 120 months at most.
    expect(winrateReport({ outcomes: [], created: [] }, { asOf: '2025-09-10', months: 100_000 }).months.length).toBeLessThanOrEqual(120)
  })

  it('judges the newest complete month when the data reaches "as of"', () => {
    const report = winrateReport(steadyMonths('2023-01', '2024-07'), { asOf: '2024-07-20' })
    expect(report.findings.map((f) => f.key)).toEqual(['winrate_normal:2024-06'])
  })
})

describe('winrateReport run rules', () => {
  it('lists a run of months below the centre as context, not as a finding, and still says the win rate is within its normal range', () => {
    const months = monthRange('2023-01', '2024-09')
    const report = winrateReport(
      {
        outcomes: months.map((month) => {
          const won = month >= '2024-01' ? 45 : 50
          return { month, won, lost: 100 - won, wonAmount: 0, lostAmount: 0 }
        }),
        created: months.map((month) => ({ month, created: 100, createdAmount: 0 })),
      },
      { asOf: '2024-09-10' },
    )
    expect(report.months.every((m) => m.anomaly === null)).toBe(true)
    expect(report.runSignals.map((s) => s.rule)).toEqual(['eight_below'])
    expect(report.findings.map((f) => [f.key, f.significant])).toEqual([
      ['winrate_normal:2024-08', false],
      ['winrate_run_eight_below:2024-08', false],
    ])
    expect(report.findings[1]!.text).toMatch(/^Secondary signal, not a finding on its own: 8 complete months in a row below/)
  })

  it('says whether pipeline volume fell with a flagged drop, or did not', () => {
    const data = (createdAfter: number, createdBefore = 20) => {
      const base = steadyMonths('2023-01', '2024-03')
      const drop = monthRange('2024-04', '2024-06')
      return {
        outcomes: [...base.outcomes, ...drop.map((month) => ({ month, won: 2, lost: 18, wonAmount: 2e4, lostAmount: 1.8e5 }))],
        created: [
          ...base.created.map((c) => ({ ...c, created: createdBefore })),
          ...drop.map((month) => ({ month, created: createdAfter, createdAmount: createdAfter * 1e4 })),
        ],
      }
    }
    const volume = (createdAfter: number, createdBefore?: number) =>
      winrateReport(data(createdAfter, createdBefore), { asOf: '2024-07-20' }).findings.find((f) => f.report === 'volume')?.text ?? ''
    expect(volume(20)).toMatch(/^Pipeline volume did not fall with it: 20 deals created per month since Apr 2024 vs 20 before \(\+0%\)/)
    // A drop of less than a tenth is neither a fall nor "did not fall" beside its minus sign.
    expect(volume(19)).toMatch(
      /^Pipeline volume held within a tenth of its earlier level: 19 deals created per month since Apr 2024 vs 20 before \(-5%\)/,
    )
    // The open pipeline is the one of "as of", which a look back must not call "now".
    expect(volume(20)).toMatch(/, and \d+ deals were open on 2024-07-20\.$/)
    // 18 of 20 is a tenth fewer, printed -10% (18 / 20 - 1 is a hair above -0.1 in floating point), but
    // 54 new deals in three months after 60 is well within chance: not said to be a fall, nor "did not fall".
    expect(volume(18)).toMatch(
      /^Pipeline volume did not fall significantly with it: 18 deals created per month since Apr 2024 vs 20 before \(-10%\)/,
    )
    // The same tenth over ten times the deals (540 after 600) is more than chance makes: it fell.
    expect(volume(180, 200)).toMatch(/^Pipeline volume fell as well: 180 deals created per month since Apr 2024 vs 200 before \(-10%\)/)
    expect(volume(8)).toMatch(/^Pipeline volume fell as well: 8 deals created per month since Apr 2024 vs 20 before \(-60%\)/)
    // Run months after the data ends (the last import in June), the empty months are not a fall in volume.
    const later = winrateReport(data(20), { asOf: '2024-10-15' }).findings.find((f) => f.report === 'volume')?.text ?? ''
    expect(later).toMatch(
      /^Pipeline volume did not fall with it: 20 deals created per month since Apr 2024 \(to Jun 2024: no deal was created or closed after it\) vs 20 before \(\+0%\)/,
    )
    // The data end on a month's last day: that month is complete and counts as before.
    const endOfMonth = winrateReport({ ...data(20), dataEndDay: '2024-06-30' }, { asOf: '2024-10-15' }).findings.find(
      (f) => f.report === 'volume',
    )
    expect(endOfMonth?.text).toBe(later)
  })

  it('leaves out of the volume the month the data end in, when they end before its last day', () => {
    // The export was taken on 15 Jun: June holds half a month of new deals (10), not a fall in volume.
    const base = steadyMonths('2023-01', '2024-03')
    const outcomes = [
      ...base.outcomes,
      ...monthRange('2024-04', '2024-05').map((month) => ({ month, won: 2, lost: 18, wonAmount: 0, lostAmount: 0 })),
      { month: '2024-06', won: 1, lost: 9, wonAmount: 0, lostAmount: 0 },
    ]
    const created = [
      ...base.created,
      { month: '2024-04', created: 20, createdAmount: 0 },
      { month: '2024-05', created: 20, createdAmount: 0 },
      { month: '2024-06', created: 10, createdAmount: 0 },
    ]
    const report = winrateReport({ outcomes, created, dataEndDay: '2024-06-15' }, { asOf: '2024-10-15' })
    expect(report.months.filter((m) => m.anomaly === 'low').map((m) => m.month)).toEqual(['2024-04', '2024-05'])
    expect(report.findings.find((f) => f.report === 'volume')?.text).toMatch(
      /^Pipeline volume did not fall with it: 20 deals created per month since Apr 2024 \(to May 2024: the data end on 2024-06-15, part of Jun 2024\) vs 20 before \(\+0%\)/,
    )
    // When the only flagged month is the one the data end in, there is no full month to compare.
    const onlyLast = winrateReport(
      {
        outcomes: [...base.outcomes, { month: '2024-04', won: 0, lost: 20, wonAmount: 0, lostAmount: 0 }],
        created: [...base.created, { month: '2024-04', created: 10, createdAmount: 0 }],
        dataEndDay: '2024-04-15',
      },
      { asOf: '2024-10-15' },
    )
    expect(onlyLast.months.find((m) => m.month === '2024-04')?.anomaly).toBe('low')
    expect(onlyLast.findings.some((f) => f.report === 'volume')).toBe(false)
  })
})

describe('winrateReport, a small month on an overdispersed baseline', () => {
  it('says its Laney limits are never narrower than the exact ones, and does not flag 7 wins in 20', () => {
    const drift = monthRange('2023-01', '2023-12').map((month, i) => ({
      month,
      won: 10 + 2 * i,
      lost: 190 - 2 * i,
      wonAmount: 0,
      lostAmount: 0,
    }))
    const outcomes = [...drift, { month: '2024-01', won: 7, lost: 13, wonAmount: 0, lostAmount: 0 }]
    const report = winrateReport({ outcomes, created: [] }, { asOf: '2024-02-10', months: 3 })
    const jan = report.months.find((m) => m.month === '2024-01')!
    expect(jan.anomaly).toBeNull()
    expect(report.limitNote).toContain("Laney's p'")
    expect(report.limitNote).toContain('never narrower than the exact binomial limits where n is small (Jan 2024)')
    expect(report.findings.some((f) => f.significant)).toBe(false)
  })
})

describe('volumeFallP', () => {
  const months = (...created: number[]) => created.map((c) => ({ created: c }))
  it('is the exact one-sided P of so few new deals in the recent months at the earlier rate', () => {
    // 54 of 114 deals where half are expected: P(X <= 54) for Binomial(114, 0.5).
    expect(volumeFallP(months(18, 18, 18), months(20, 20, 20))).toBeCloseTo(0.3198, 3)
    expect(volumeFallP(months(180, 180, 180), months(200, 200, 200))).toBeLessThan(0.05)
    // Fewer months before than after: each recent month is expected to hold its share of the total.
    expect(volumeFallP(months(10, 10), months(10))).toBeCloseTo(0.5683, 3)
    expect(volumeFallP(months(0), months(5))).toBeCloseTo(1 / 32, 6)
  })
})
