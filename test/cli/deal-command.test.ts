import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatDealReport } from '../../src/cli/commands/run-deal-command.js'
import type { DealReport } from '../../src/services/explain-deal.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'
import { dealsCsv, FIXTURE_AS_OF, syntheticDeals } from '../model/model-fixtures.js'

describe('pulse deal', () => {
  it("shows a deal's amount in its own currency, in text and JSON", async () => {
    const db = join(tempDir(), 'p.db')
    const deals = syntheticDeals({ n: 400, seed: 21, signal: true })
    const open = deals.filter((d) => d.outcome === 'open')
    const [euro, dollar, unstated] = open as [(typeof open)[0], (typeof open)[0], (typeof open)[0]]
    // The same file with a currency column: one open deal in EUR, one in USD, the rest left empty.
    const currency = new Map([
      // Written lower-case, as some exports do: stored as given, written upper-case.
      [euro.deal_id, 'eur'],
      [dollar.deal_id, 'USD'],
    ])
    const lines = dealsCsv(deals).trimEnd().split('\n')
    const csv = [
      `${lines[0]},currency`,
      ...lines.slice(1).map((line) => `${line},${currency.get(line.slice(0, line.indexOf(','))) ?? ''}`),
    ].join('\n')
    expect((await runCli('ingest', '--csv', writeTempFile('d.csv', csv), '--db', db)).code).toBe(0)
    expect((await runCli('train', '--db', db, '--as-of', FIXTURE_AS_OF)).code).toBe(0)

    const show = async (id: string) => {
      const text = await runCli('deal', id, '--db', db, '--as-of', FIXTURE_AS_OF)
      expect(text.code, text.stderr).toBe(0)
      const json = JSON.parse((await runCli('deal', id, '--db', db, '--as-of', FIXTURE_AS_OF, '--json')).stdout)
      return { line: text.stdout.split('\n')[1] as string, json }
    }
    const e = await show(euro.deal_id)
    expect(e.json).toMatchObject({ amount: euro.amount, currency: 'eur' })
    expect(e.line).toMatch(/ · [\d.]+k EUR · /)
    expect(e.line).not.toContain('$')
    // An id pasted with spaces around it is the stored (trimmed) id.
    expect((await show(` ${euro.deal_id} `)).json.dealId).toBe(euro.deal_id)
    const d = await show(dollar.deal_id)
    expect(d.json.currency).toBe('USD')
    expect(d.line).toMatch(/ · \$[\d.]+k · /)
    const u = await show(unstated.deal_id)
    expect(u.json.currency).toBeNull()
    expect(u.line).toMatch(/ · \$[\d.]+k · /)
  })

  it('shows a deal with its fields, unscored, before any model is trained, saying what to run', async () => {
    const db = join(tempDir(), 'p.db')
    const header = 'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'
    const file = writeTempFile(
      'd.csv',
      `${header}\nO1,2024-01-02,,r1,SaaS,EMEA,Core,Web,Demo,70000,Open\nW1,2024-01-02,2024-02-01,r1,SaaS,EMEA,Core,Web,Closed,5000,Won\n`,
    )
    expect((await runCli('ingest', '--csv', file, '--db', db)).code).toBe(0)
    const text = await runCli('deal', 'O1', '--db', db, '--as-of', '2024-06-01')
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain('Demo · $70k · EMEA')
    expect(text.stdout).toContain(`Not scored: no model has been trained yet. Run \`pulse train --db ${db}\``)
    const json = JSON.parse((await runCli('deal', 'O1', '--db', db, '--as-of', '2024-06-01', '--json')).stdout)
    expect(json).toMatchObject({ dealId: 'O1', modelId: null, winProbability: null, healthScore: null, stage: 'Demo', amount: 70_000 })
    // An id typed in another case names the stored one.
    const lower = await runCli('deal', 'o1', '--db', db, '--as-of', '2024-06-01')
    expect(lower.code).not.toBe(0)
    expect(lower.stderr).toContain('No deal with id "o1" (ids are case-sensitive); did you mean "O1"?')
    // A closed deal says why it is not scored, model or not.
    const won = JSON.parse((await runCli('deal', 'W1', '--db', db, '--as-of', '2024-06-01', '--json')).stdout)
    expect(won.reasons).toEqual(['Closed won on 2024-02-01: only open deals are scored'])
    // A deal created after the day asked about was not open on it, whatever became of it since.
    const before = JSON.parse((await runCli('deal', 'W1', '--db', db, '--as-of', '2023-12-01', '--json')).stdout)
    expect(before.reasons).toEqual(['Created on 2024-01-02, after 2023-12-01: not scored as of that date'])
  })

  it('finds a deal by its id typed in another Unicode form than the import stored it in', async () => {
    const db = join(tempDir(), 'p.db')
    const header = 'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'
    const file = writeTempFile('d.csv', `${header}\nCaf\u00e9-1,2024-01-02,,r1,SaaS,EMEA,Core,Web,Demo,1000,Open\n`)
    expect((await runCli('ingest', '--csv', file, '--db', db)).code).toBe(0)
    // Found in either spelling (shown unscored: no model yet); an unknown id is not.
    for (const id of ['Caf\u00e9-1', 'Cafe\u0301-1']) {
      const run = await runCli('deal', id, '--db', db, '--as-of', '2024-06-01', '--json')
      expect(run.code, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout)).toMatchObject({ dealId: 'Caf\u00e9-1', modelId: null, healthScore: null })
    }
    expect((await runCli('deal', 'Cafe-1', '--db', db, '--as-of', '2024-06-01')).stderr).toContain('No deal with id "Cafe-1"')
  })

  // An open deal's card, as explainDeal gives it.
  const card = {
    dealId: 'D1',
    dealName: null,
    outcome: 'open',
    stage: 'Demo',
    amount: 84_000,
    currency: null,
    region: 'EMEA',
    industry: 'SaaS',
    productType: 'Core',
    leadSource: 'Inbound',
    ownerId: 'r1',
    ownerEmail: null,
    createdDate: '2025-01-02',
    healthScore: 12,
    winProbability: 0.045,
    basis: 'model',
    modelId: 3,
    asOf: '2025-07-12',
    reasons: [],
  } as unknown as DealReport

  it('writes a win probability below 10% with its decimal, as the Slack deal card does', () => {
    expect(formatDealReport(card)).toContain('Health 12/100 · win probability 4.5% (model 3, as of 2025-07-12)')
    expect(formatDealReport({ ...card, basis: 'segment' })).toContain('win rate of similar deals 4.5% (not a prediction')
  })

  it('cuts a very long deal name on the card to 200 characters, ending in an ellipsis', () => {
    const first = formatDealReport({ ...card, dealName: `Acme ${'x'.repeat(100_000)}` }).split('\n')[0] as string
    expect(first).toBe(`D1  Acme ${'x'.repeat(194)}…`)
    expect(formatDealReport({ ...card, dealName: 'Acme renewal' }).split('\n')[0]).toBe('D1  Acme renewal')
  })
})
