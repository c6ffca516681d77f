import { describe, expect, it } from 'vitest'
import { sampleChartInputs } from '../../src/charts/chart-samples.js'
import { winrateChart } from '../../src/charts/winrate-chart.js'

const samples = sampleChartInputs()

/** One deal closed (won) in the first month shown; nothing else. */
function oneDeal(won: number, lost: number) {
  return samples.winrate.months.map((m, i) => {
    const n = i === 0 ? won + lost : 0
    return {
      ...m,
      won: i === 0 ? won : 0,
      lost: i === 0 ? lost : 0,
      n,
      winRate: n > 0 ? won / n : null,
      lcl: null,
      ucl: null,
      center: null,
      anomaly: null,
      partial: i === samples.winrate.months.length - 1,
    }
  })
}

describe('winrate chart title with too little history for a normal range', () => {
  it('says how few closed deals the rate rests on', () => {
    const months = oneDeal(1, 0)
    const { title } = winrateChart({ ...samples.winrate, months })
    expect(title).toMatch(/^Win rate was 100% in \w+ for 1 closed deal; too little history for a normal range$/)
  })

  it('counts in the plural', () => {
    const { title } = winrateChart({ ...samples.winrate, months: oneDeal(3, 4) })
    expect(title).toMatch(/ for 7 closed deals; /)
  })
})
