import type {
  DriverSegment,
  DriversReport,
  FunnelReport,
  LossesReport,
  SegmentField,
  StalledDeal,
  StalledReport,
  WinrateMonth,
  WinrateReport,
} from '../analytics/report-types.js'
import { MIN_COMPLETED_STAYS_FOR_P90 } from '../analytics/stage-p90-thresholds.js'
import { seededRandom } from '../domain/seeded-random.js'
import type { HealthScoreInput, ReliabilityInput } from './model-chart-inputs.js'
import type { ChartInputs } from './render-report-chart.js'

/**
 * Deterministic, realistic example inputs for every chart: 12 months ending in a partial month
 * with a low anomaly in the last complete one, a drivers table with small and significant cells,
 * and so on. Used by the chart tests, the charts benchmark and for previewing the look; never
 * by the product's reports.
 */
export function sampleChartInputs(): ChartInputs {
  const rand = seededRandom(7)
  const asOf = '2025-07-12'
  const rates = [0.41, 0.43, 0.39, 0.42, 0.4, 0.44, 0.41, 0.38, 0.42, 0.4, 0.27, 0.33]
  const monthsList = [
    '2024-08',
    '2024-09',
    '2024-10',
    '2024-11',
    '2024-12',
    '2025-01',
    '2025-02',
    '2025-03',
    '2025-04',
    '2025-05',
    '2025-06',
    '2025-07',
  ]
  const months: WinrateMonth[] = monthsList.map((month, i) => {
    const partial = i === monthsList.length - 1
    const n = partial ? 31 : 150 + Math.round(rand() * 60)
    const won = Math.round(n * rates[i]!)
    const center = 0.41
    const sigma = Math.sqrt((center * (1 - center)) / n)
    const lcl = Math.max(0, center - 3 * sigma)
    const ucl = Math.min(1, center + 3 * sigma)
    const winRate = won / n
    return {
      month,
      won,
      lost: n - won,
      winRate,
      center,
      lcl,
      ucl,
      partial,
      anomaly: partial ? null : winRate < lcl ? 'low' : winRate > ucl ? 'high' : null,
      n,
      limitMethod: 'binomial',
      baselineFrom: '2023-08',
      baselineTo: '2024-07',
      baselineN: 2100,
      z: (winRate - center) / sigma,
      runRules: [],
      wonAmount: won * 42_000,
      lostAmount: (n - won) * 39_000,
      created: partial ? 82 : 200 + Math.round(rand() * 30),
      createdAmount: 8_400_000,
      openAtEnd: 600,
      openAmountAtEnd: 25_000_000,
    }
  })
  const winrate: WinrateReport = {
    asOf,
    where: {},
    months,
    limitMethod: 'binomial',
    limitNote: 'Binomial p-chart limits.',
    overdispersion: 1,
    baselineMonths: 12,
    runSignals: [],
    openPipeline: { count: 640, amount: 26_500_000 },
    findings: [],
  }

  const lossRows: Array<[string, number, number, boolean]> = [
    ['Negotiation', 412, 21_300_000, true],
    ['Qualified', 388, 6_100_000, false],
    ['Proposal', 301, 14_800_000, true],
    ['Demo', 205, 5_400_000, false],
  ]
  const totalLost = lossRows.reduce((s, r) => s + r[1], 0)
  const totalLostAmount = lossRows.reduce((s, r) => s + r[2], 0)
  const losses: LossesReport = {
    asOf,
    where: {},
    stages: lossRows.map(([stage, lost, lostAmount, lateStage]) => ({
      stage,
      lost,
      lostAmount,
      share: lost / totalLost,
      amountShare: lostAmount / totalLostAmount,
      daysSpent: lost * 40,
      meanDaysSpent: 40,
      lateStage,
      openStage: true,
    })),
    totalLost,
    totalLostAmount,
    openStages: ['Qualified', 'Demo', 'Proposal', 'Negotiation'],
    lateStages: ['Proposal', 'Negotiation'],
    lateStageShare: (412 + 301) / totalLost,
    lateStageAmountShare: (21_300_000 + 14_800_000) / totalLostAmount,
    findings: [],
  }

  const funnelRows: Array<[string, number, number, number, number]> = [
    ['Qualified', 5200, 4100, 388, 712],
    ['Demo', 4100, 3400, 205, 495],
    ['Proposal', 3400, 2500, 301, 599],
    ['Negotiation', 2500, 1720, 412, 368],
    ['Closed', 1720, 1720, 0, 0],
  ]
  const funnel: FunnelReport = {
    asOf,
    where: {},
    stages: funnelRows.map(([stage, reached, advanced, lost, open]) => ({
      stage,
      reached,
      advanced,
      conversion: reached > 0 ? advanced / reached : null,
      lost,
      leakage: reached > 0 ? lost / reached : null,
      open,
      decidedConversion: advanced + lost > 0 ? advanced / (advanced + lost) : null,
    })),
    source: 'stage_history',
    sourceNote: 'From stage history.',
    topLeak: 'Negotiation',
    findings: [],
  }

  const overall = 0.41
  const regions = ['APAC', 'EMEA', 'LATAM', 'North America']
  const bands = ['<10k', '10k-50k', '50k-100k', '100k+']
  const segments: DriverSegment[] = []
  for (const region of regions) {
    for (const band of bands) {
      const n = region === 'LATAM' && band === '100k+' ? 14 : 60 + Math.round(rand() * 300)
      let rate = overall + (rand() - 0.5) * 0.12
      if (region === 'EMEA' && band === '100k+') rate = 0.24
      if (region === 'North America' && band === '10k-50k') rate = 0.53
      const won = Math.round(n * rate)
      const winRate = won / n
      const significant = (region === 'EMEA' && band === '100k+') || (region === 'North America' && band === '10k-50k')
      segments.push(segment({ region, amount_band: band }, n, won, winRate, overall, significant))
    }
  }
  for (const region of regions) segments.push(segment({ region }, 1200, 492, 0.41, overall, false))
  const drivers: DriversReport = {
    asOf,
    where: {},
    overallWinRate: overall,
    n: 5000,
    won: 2050,
    minN: 30,
    tested: segments.length,
    segments,
    combinations: [['region', 'amount_band']],
    findings: [],
  }

  const stalledDeals: StalledDeal[] = Array.from({ length: 14 }, (_, i) => ({
    dealId: `D-${10_400 + i * 37}`,
    ownerEmail: `rep${i % 5}@acme.com`,
    amount: Math.round(250_000 / (1 + i * 0.35) / 1000) * 1000,
    stage: ['Negotiation', 'Proposal', 'Demo'][i % 3]!,
    daysIdle: 14 + ((i * 11) % 60),
    idleFrom: 'activity',
    ownerId: `rep${i % 5}`,
    dealName: i % 4 === 0 ? `Globex renewal ${i + 1}` : null,
    daysInStage: 30 + i,
    stageP90: 45,
  }))
  const stalled: StalledReport = {
    asOf,
    where: {},
    rules: { alertAmount: 50_000, idleDays: 14, staleDays: 30 },
    stalled: stalledDeals,
    stalledCount: 23,
    stalledWithoutActivityDate: 0,
    stalledAmount: stalledDeals.reduce((s, d) => s + d.amount, 0) + 9 * 60_000,
    overStageP90: [],
    overStageP90Count: 0,
    overStageP90Amount: 0,
    stageP90MinCompleted: MIN_COMPLETED_STAYS_FOR_P90,
    stagesWithoutP90: [],
    stale: { count: 41, amount: 2_300_000, withoutTouchDate: 0, closedCount: 12 },
    openCount: 640,
    openAmount: 26_500_000,
    closedSince: 0,
    plannedCloses: { count: 0, newestRecord: null },
    noActivityByAsOf: { count: 0, amount: 0 },
    findings: [],
  }

  const reliability: ReliabilityInput = {
    bins: [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85].map((p, i) => ({
      predicted: p,
      observed: Math.min(1, Math.max(0, p + (rand() - 0.5) * 0.12)),
      n: [40, 120, 210, 260, 240, 180, 110, 60, 25][i]!,
    })),
    informative: true,
  }
  const healthScores: HealthScoreInput = {
    scores: Array.from({ length: 640 }, () => Math.round(Math.min(100, Math.max(0, 55 + (rand() + rand() + rand() - 1.5) * 60)))),
    informative: true,
  }

  return { winrate, losses, funnel, drivers, stalled, reliability, healthScores }
}

function segment(
  seg: Partial<Record<SegmentField, string>>,
  n: number,
  won: number,
  winRate: number,
  overall: number,
  significant: boolean,
): DriverSegment {
  return {
    segment: seg,
    n,
    won,
    winRate,
    lift: winRate / overall,
    ciLow: Math.max(0, winRate - 0.08),
    ciHigh: Math.min(1, winRate + 0.08),
    pValue: significant ? 0.0004 : 0.4,
    qValue: significant ? 0.006 : 0.7,
    significant,
    label: Object.values(seg).join(' x '),
    othersN: 5000 - n,
    othersWon: 2050 - won,
    othersWinRate: overall,
    test: 'z',
    direction: significant ? (winRate < overall ? 'low' : 'high') : null,
  }
}
