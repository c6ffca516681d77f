import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { sampleChartInputs } from '../../src/charts/chart-samples.js'
import { stalledChart } from '../../src/charts/stalled-chart.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date,updated_date'
const ROWS = [
  'W1,2024-01-03,2024-02-10,rep_1,SaaS,EMEA,Core,Inbound,Closed,12000,Won,2024-02-10,2024-02-10',
  'S1,2024-02-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,90000,Open,2024-03-31,2024-03-31',
  'S2,2024-02-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,8000,Open,2024-03-30,2024-03-30',
]

// The CLI reads its configuration once per process: the limits are set before the first run.
beforeAll(() => {
  vi.stubEnv('PULSE_STALE_DAYS', '1')
  vi.stubEnv('PULSE_IDLE_DAYS', '1')
  vi.stubEnv('PULSE_ALERT_AMOUNT', '1000000')
})

afterAll(() => {
  vi.unstubAllEnvs()
  process.exitCode = 0
})

describe('pulse report stalled text: limits of one day', () => {
  it('writes "more than 1 day" and "for over 1 day", never "1 days"', async () => {
    const db = join(tempDir(), 'pulse.db')
    const ingest = await runCli('ingest', '--csv', writeTempFile('day.csv', `${[HEADER, ...ROWS].join('\n')}\n`), '--db', db)
    expect(ingest.code, ingest.stderr).toBe(0)
    const text = await runCli('report', 'stalled', '--db', db, '--as-of', '2024-04-30')
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain('Stale open deals (no update or activity for more than 1 day): 2 of 2 open deals')
    expect(text.stdout).toContain('have had no update or activity for over 1 day.')
    expect(text.stdout).not.toMatch(/\b1 days\b/)
    // The chart's sentence when nothing is stalled (no deal reaches the alert amount).
    const json = await runCli('report', 'stalled', '--db', db, '--as-of', '2024-04-30', '--json')
    const chart = JSON.stringify(stalledChart(JSON.parse(json.stdout)))
    expect(chart).toContain('has been idle for 1 day or longer.')
  })
  it('labels the chart\'s deals and its legend "1 day", not "1 days" or "1-1 days"', () => {
    const sample = sampleChartInputs().stalled
    const [first, second] = sample.stalled
    const report = {
      ...sample,
      rules: { ...sample.rules, idleDays: 1 },
      stalled: [
        { ...first!, daysIdle: 1 },
        { ...second!, daysIdle: 5 },
      ],
    }
    const chart = JSON.stringify(stalledChart(report).spec)
    expect(chart).toContain('1 day idle')
    expect(chart).toContain('5 days idle')
    expect(chart).toContain('"Idle 1 day"')
    expect(chart).toContain('"Idle 2+ days"')
    expect(chart).not.toMatch(/\b1 days\b|1-1 days/)
  })
  it('gives no share of the open pipeline when the open deals are worth nothing (no "n/a of open pipeline")', async () => {
    const db = join(tempDir(), 'pulse.db')
    const rows = [
      'Z1,2024-02-01,,rep_1,SaaS,EMEA,Core,Inbound,Demo,0,Open,2024-02-02,2024-02-02',
      'W1,2024-01-03,2024-02-10,rep_1,SaaS,EMEA,Core,Inbound,Closed,12000,Won,2024-02-10,2024-02-10',
    ]
    expect((await runCli('ingest', '--csv', writeTempFile('zero.csv', `${[HEADER, ...rows].join('\n')}\n`), '--db', db)).code).toBe(0)
    const run = await runCli('report', 'stalled', '--db', db, '--as-of', '2024-04-30', '--json')
    const zombie = JSON.parse(run.stdout).findings.find((f: { key: string }) => f.key === 'stale_pipeline')
    expect(zombie.text).toMatch(/^Zombie pipeline: 1 of 1 open deal, worth \$0, has had no update or activity for over 1 day\./)
  })
})
