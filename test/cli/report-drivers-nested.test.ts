import { writeFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { nestedRepsCsv } from '../helpers/nested-reps-csv.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

const AS_OF = '2024-12-31'
let db: string

beforeAll(async () => {
  const dir = tempDir()
  writeFileSync(`${dir}/deals.csv`, nestedRepsCsv())
  db = `${dir}/pulse.db`
  const ingest = await runCli('ingest', '--csv', `${dir}/deals.csv`, '--db', db)
  expect(ingest.code, ingest.stderr).toBe(0)
}, 60_000)

interface Finding {
  key: string
  significant: boolean
  text: string
}

describe('pulse report drivers, when reps sell in one region and only the region differs', () => {
  it("names the region, and says each EMEA rep's gap goes with it", async () => {
    const run = await runCli('report', 'drivers', '--db', db, '--as-of', AS_OF, '--json')
    expect(run.code, run.stderr).toBe(0)
    const report = JSON.parse(run.stdout) as {
      segments: Array<Record<string, unknown> & { segment: Record<string, string>; significant: boolean }>
      findings: Finding[]
      nested: Array<{ segment: Record<string, string>; within: Record<string, string>; n: number; won: number }>
    }
    // Every EMEA rep is significant against all others, as a segment (the contract's rows say so)...
    const emeaReps = ['rep_5', 'rep_6', 'rep_7', 'rep_8']
    for (const rep of emeaReps) expect(report.segments.find((s) => s.segment.sales_rep_id === rep)?.significant).toBe(true)
    // ...and the rows keep the contract's shape.
    expect(Object.keys(report.segments[0] as object)).toEqual(
      expect.arrayContaining(['segment', 'n', 'won', 'winRate', 'lift', 'ciLow', 'ciHigh', 'pValue', 'qValue', 'significant']),
    )
    expect(report.nested).toContainEqual({ segment: { sales_rep_id: 'rep_5' }, within: { region: 'EMEA' }, n: 200, won: 40 })
    const stated = report.findings.filter((f) => f.significant).map((f) => f.key)
    expect(stated[0]).toBe('drivers_low:region=EMEA')
    expect(stated.filter((k) => k.includes('sales_rep_id'))).toEqual([])
    // The reps come after the findings, as context, while places remain.
    const reps = report.findings.filter((f) => f.key.includes('sales_rep_id'))
    expect(reps.length).toBeGreaterThan(0)
    for (const f of reps) {
      expect(f.significant).toBe(false)
      expect(f.text).toMatch(
        /^Deals owned by rep_[5-8] win 20% vs 32% for all others \(.*\), a gap its region shares: 100% of them are deals in EMEA, and the other deals in EMEA win 20%, no more than these\.$/,
      )
    }
  })

  it('keeps the summary to the region', async () => {
    const run = await runCli('report', 'summary', '--db', db, '--as-of', AS_OF, '--json')
    expect(run.code, run.stderr).toBe(0)
    const summary = JSON.parse(run.stdout) as { findings: Finding[] }
    const drivers = summary.findings.filter((f) => f.key.startsWith('drivers_') && f.significant).map((f) => f.key)
    expect(drivers).toEqual(['drivers_low:region=EMEA'])
  })
})

describe('pulse report drivers, when a lead source serves one industry only and only the industry differs', () => {
  let sourceDb: string
  beforeAll(async () => {
    // 800 closed deals per industry; FinTech wins 25%, every other industry 40%. Partner deals
    // are FinTech's only (half of them), winning what FinTech's other deals win.
    const lines = ['deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome']
    let id = 0
    for (const industry of ['SaaS', 'FinTech', 'Retail', 'Health']) {
      for (let i = 0; i < 800; i++) {
        id++
        const month = String((id % 11) + 1).padStart(2, '0')
        const won = i % 20 < (industry === 'FinTech' ? 5 : 8)
        const source =
          industry === 'FinTech' && Math.floor(i / 20) % 2 === 0 ? 'Partner' : Math.floor(i / 20) % 4 < 2 ? 'Inbound' : 'Referral'
        lines.push(
          `D${id},2024-${month}-01,2024-${month}-20,rep_${id % 8},${industry},EMEA,Core,${source},${won ? 'Closed' : 'Proposal'},20000,${won ? 'Won' : 'Lost'}`,
        )
      }
    }
    const dir = tempDir()
    writeFileSync(`${dir}/deals.csv`, `${lines.join('\n')}\n`)
    sourceDb = `${dir}/pulse.db`
    const ingest = await runCli('ingest', '--csv', `${dir}/deals.csv`, '--db', sourceDb)
    expect(ingest.code, ingest.stderr).toBe(0)
  }, 60_000)

  it('names the industry, and says the source shares its gap', async () => {
    const run = await runCli('report', 'drivers', '--db', sourceDb, '--as-of', AS_OF, '--json')
    expect(run.code, run.stderr).toBe(0)
    const report = JSON.parse(run.stdout) as {
      segments: Array<{ segment: Record<string, string>; significant: boolean }>
      findings: Finding[]
    }
    expect(report.segments.find((s) => s.segment.lead_source === 'Partner')?.significant).toBe(true)
    expect(report.findings.filter((f) => f.significant).map((f) => f.key)).toEqual(['drivers_low:industry=FinTech'])
    expect(report.findings.find((f) => f.key === 'drivers_low:lead_source=Partner')?.text).toMatch(
      /^Partner deals win 25% vs 3\d% for all others \(.*\), a gap its industry shares: 100% of them are deals in FinTech, and the other deals in FinTech win 25%, no more than these\.$/,
    )
  })
})
