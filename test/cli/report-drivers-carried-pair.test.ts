import { writeFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

const AS_OF = '2024-12-31'
const REGIONS = ['North America', 'EMEA', 'APAC', 'LATAM']
const PRODUCTS = ['Core', 'Pro', 'Enterprise']
let db: string

/**
 * 160 closed deals per region x product, half Referral (40% won) and half Inbound (25% won), except
 * EMEA's Enterprise deals, which win 8 and 4 of 80: EMEA's and Enterprise's other deals win exactly
 * the base rate, while Referral wins more everywhere.
 */
function csv(): string {
  const lines = ['deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome']
  let id = 0
  for (const region of REGIONS)
    for (const product of PRODUCTS)
      for (const source of ['Referral', 'Inbound']) {
        const odd = region === 'EMEA' && product === 'Enterprise'
        const won = odd ? (source === 'Referral' ? 8 : 4) : source === 'Referral' ? 32 : 20
        for (let i = 0; i < 80; i++) {
          id++
          const month = String((id % 11) + 1).padStart(2, '0')
          const outcome = i < won ? 'Won' : 'Lost'
          const stage = outcome === 'Won' ? 'Closed' : 'Proposal'
          lines.push(`D${id},2024-${month}-01,2024-${month}-20,rep_${id % 8},SaaS,${region},${product},${source},${stage},20000,${outcome}`)
        }
      }
  return `${lines.join('\n')}\n`
}

beforeAll(async () => {
  const dir = tempDir()
  writeFileSync(`${dir}/deals.csv`, csv())
  db = `${dir}/pulse.db`
  const ingest = await runCli('ingest', '--csv', `${dir}/deals.csv`, '--db', db)
  expect(ingest.code, ingest.stderr).toBe(0)
}, 60_000)

interface Finding {
  key: string
  significant: boolean
  text: string
}

describe('pulse report drivers, when one pair carries a region and a product', () => {
  it('states the pair, not the region or product alone, and keeps the effect that is everywhere', async () => {
    const run = await runCli('report', 'drivers', '--db', db, '--as-of', AS_OF, '--json')
    expect(run.code, run.stderr).toBe(0)
    const report = JSON.parse(run.stdout) as {
      segments: Array<{ segment: Record<string, string>; significant: boolean }>
      findings: Finding[]
    }
    // Both are significant against all others, as segments (the contract's rows say so)...
    const single = (field: string, value: string) =>
      report.segments.find((s) => Object.keys(s.segment).length === 1 && s.segment[field] === value)
    expect(single('region', 'EMEA')?.significant).toBe(true)
    expect(single('product_type', 'Enterprise')?.significant).toBe(true)
    // ...but neither is a finding to act on: their other deals win as all others do.
    const stated = report.findings.filter((f) => f.significant).map((f) => f.key)
    expect(stated).toContain('drivers_low:region=EMEA&product_type=Enterprise')
    expect(stated).toContain('drivers_high:lead_source=Referral')
    expect(stated).not.toContain('drivers_low:region=EMEA')
    expect(stated).not.toContain('drivers_low:product_type=Enterprise')
    const emea = report.findings.find((f) => f.key === 'drivers_low:region=EMEA')
    expect(emea?.text).toMatch(
      /^Deals in EMEA win 24% vs 33% for all others \(.*\), a gap that comes from Enterprise deals in EMEA \(7\.5%\); the other deals in EMEA win 33%, no less than all others\.$/,
    )

    const summary = await runCli('report', 'summary', '--db', db, '--as-of', AS_OF, '--json')
    expect(summary.code, summary.stderr).toBe(0)
    const { findings } = JSON.parse(summary.stdout) as { findings: Finding[] }
    const drivers = findings.filter((f) => f.key.startsWith('drivers_') && f.significant).map((f) => f.key)
    expect(drivers).toContain('drivers_low:region=EMEA&product_type=Enterprise')
    expect(drivers).toContain('drivers_high:lead_source=Referral')
    expect(drivers).not.toContain('drivers_low:region=EMEA')
    expect(drivers).not.toContain('drivers_low:product_type=Enterprise')
  }, 60_000)
})
