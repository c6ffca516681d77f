import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { openStore } from '../../src/db/open-store.js'
import { DEMO_AS_OF } from '../../src/demo/demo-as-of.js'
import { croSummary, runDemo } from '../../src/demo/run-demo.js'
import { SAMPLE_STAGES } from '../../src/sample/sample-profile.js'
import { spawnPulse } from '../helpers/pulse-process.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

describe('pulse demo', () => {
  it.each([
    [['--deals', 'abc'], '--deals "abc" is not a whole number between 500 and 50,000,000'],
    [['--deals', '10'], '--deals "10" is not a whole number between 500 and 50,000,000'],
    [['--deals', '1e20'], '--deals "1e20" is not a whole number between 500 and 50,000,000'],
    [['--deals', '0x1000'], '--deals "0x1000" is not a whole number between 500 and 50,000,000'],
    [['--as-of', '2024-02-30'], '--as-of "2024-02-30" is not a date'],
    [['--out', writeTempFile('f.txt', 'x')], 'is a file, not a folder'],
    [['--seed', ''], '--seed needs a number or a word'],
  ])('refuses %j in plain words before creating its database', async (args, message) => {
    const db = join(tempDir(), 'demo.db')
    const run = await runCli('demo', '--db', db, '--out', join(tempDir(), 'out'), ...args)
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(message)
    expect(run.stderr).not.toContain('went wrong on our side')
    expect(existsSync(db)).toBe(false)
  })
})

describe('pulse demo when its output folder cannot take a file', () => {
  it.each(['sample-deals.csv', 'winrate.json', 'summary.txt'])(
    'names %s and what to do, and does not blame itself',
    async (name) => {
      const dir = tempDir()
      const out = join(dir, 'out')
      mkdirSync(join(out, name), { recursive: true })
      const run = await runCli('demo', '--db', join(dir, 'demo.db'), '--out', out, '--deals', '600')
      expect(run.code).toBe(1)
      expect(run.stderr).toContain(`Cannot write ${join(out, name)}: `)
      expect(run.stderr).toMatch(/move it away or choose another --out|give --out a folder you can write to/)
      expect(run.stderr).not.toContain('went wrong on our side')
    },
    60_000,
  )

  it('says so when --out lies under a file', async () => {
    const file = writeTempFile('f.txt', 'x')
    const run = await runCli('demo', '--db', join(tempDir(), 'demo.db'), '--out', join(file, 'out'), '--deals', '600')
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`Cannot write ${join(file, 'out')}: ENOTDIR`)
    expect(run.stderr).not.toContain('went wrong on our side')
  })
})

describe('pulse demo run again', () => {
  it('reports on the sample it writes now, not on the deals of an earlier, larger run', async () => {
    const dir = tempDir()
    const db = join(dir, 'demo.db')
    const out = join(dir, 'out')
    expect((await runCli('demo', '--db', db, '--out', out, '--deals', '1200')).code).toBe(0)
    const again = await runCli('demo', '--db', db, '--out', out, '--deals', '600', '--json')
    expect(again.code, again.stderr).toBe(0)
    const store = await openStore({ path: db })
    try {
      const n = await store.db
        .selectFrom('deals')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      expect(Number(n.n)).toBe(600)
    } finally {
      await store.close()
    }
  })

  it('leaves alone, and refuses, a database holding data it did not write', async () => {
    const db = join(tempDir(), 'mine.db')
    const csv = writeTempFile(
      'mine.csv',
      'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome\nM1,2024-01-02,,r1,SaaS,EMEA,Core,Inbound,Demo,100,Open\n',
    )
    expect((await runCli('ingest', '--csv', csv, '--db', db)).code).toBe(0)
    const run = await runCli('demo', '--db', db, '--out', join(tempDir(), 'out'))
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('holds data pulse demo did not write; nothing was changed')
    const store = await openStore({ path: db })
    try {
      expect(await store.db.selectFrom('deals').select('deal_id').execute()).toEqual([{ deal_id: 'M1' }])
    } finally {
      await store.close()
    }
  })
})

describe('the command pulse demo suggests', () => {
  /** Runs `pulse ARGS` in a child process (its configuration is read once per process) with `env` added. */
  async function pulse(args: readonly string[], env: Record<string, string>) {
    const run = spawnPulse(args, env)
    const code = await run.exited
    return { code, stdout: run.stdout, stderr: run.stderr }
  }

  it.each([
    ['without PULSE_DATABASE_URL', {}],
    // Nothing listens there: a command that reads PostgreSQL instead of the demo's file fails.
    ['with PULSE_DATABASE_URL set (the demo keeps to its SQLite file)', { PULSE_DATABASE_URL: 'postgres://pulse@127.0.0.1:1/pulse' }],
  ])(
    'reads the demo database as written, %s',
    async (_, env: Record<string, string>) => {
      const dir = tempDir()
      const demo = await pulse(['demo', '--db', join(dir, 'demo.db'), '--out', join(dir, 'out'), '--deals', '600'], env)
      expect(demo.code, demo.stderr).toBe(0)
      const line = /^Explore\b[^:]*: (.+)$/m.exec(demo.stdout)?.[1] ?? ''
      // The line as a shell runs it: leading NAME=value words set variables for that command alone.
      const words = line.split(' ')
      const vars: Record<string, string> = { ...env }
      while (/^[A-Z_]+=/.test(words[0] ?? '')) {
        const [name, ...value] = (words.shift() as string).split('=')
        vars[name as string] = value.join('=')
      }
      expect(words.slice(0, 2)).toEqual(['npx', 'pulse'])
      const explore = await pulse(words.slice(2), vars)
      expect(explore.code, explore.stderr).toBe(0)
      expect(explore.stdout).toContain(`Win rate by closed month (as of ${DEMO_AS_OF})`)
      expect(explore.stderr).not.toContain('does not apply')
    },
    60_000,
  )
})

describe('the demo deal docs/model.md quotes', () => {
  it('gives the reasons the page quotes for it, word for word', async () => {
    const page = readFileSync(new URL('../../docs/model.md', import.meta.url), 'utf8')
    const intro = page.slice(0, page.indexOf('```'))
    const dealId = /deal (D\d+) of `npm run demo`/.exec(intro)?.[1]
    const quoted = [...intro.matchAll(/\*"([^"]+)"\*/g)].map((m) => (m[1] ?? '').replace(/\s+/g, ' '))
    expect(dealId).toBeDefined()
    expect(quoted.length).toBeGreaterThan(0)
    const dir = tempDir()
    const out = join(dir, 'out')
    const run = await runCli('demo', '--db', join(dir, 'demo.db'), '--out', out, '--json')
    expect(run.code, run.stderr).toBe(0)
    const scores = JSON.parse(readFileSync(join(out, 'score.json'), 'utf8')) as { deals: Array<{ dealId: string; reasons: string[] }> }
    expect(scores.deals.find((d) => d.dealId === dealId)?.reasons).toEqual(quoted)
  }, 60_000)
})

describe('runDemo', () => {
  it('keeps to the stages of the sample when PULSE_STAGES names another pipeline', async () => {
    const store = await openStore({ path: ':memory:' })
    const outDir = join(tempDir(), 'out')
    try {
      const result = await runDemo(store, {
        outDir,
        asOf: DEMO_AS_OF,
        seed: 'demo-stages',
        deals: 1500,
        config: loadConfig({ PULSE_STAGES: 'Discovery,Evaluation,Closed' }),
        progress: () => {},
      })
      const out = (name: string) => JSON.parse(readFileSync(join(outDir, name), 'utf8'))
      const funnel = out('funnel.json') as { stages: Array<{ stage: string; reached: number }>; unplaced: number }
      expect(funnel.stages.map((s) => s.stage)).toEqual([...SAMPLE_STAGES])
      expect(funnel.unplaced).toBe(0)
      expect(funnel.stages[0]?.reached).toBe(1500)
      const losses = out('losses.json') as { stages: Array<{ stage: string; lost: number }> }
      expect(losses.stages.map((s) => s.stage).sort()).toEqual(['Demo', 'Negotiation', 'Proposal', 'Qualified'])
      expect(result.imported.unknownStages).toEqual([])
    } finally {
      await store.close()
    }
  }, 60_000)

  it('lists the least healthy high-value open deals with their name, amount and stage, and writes every file it names', async () => {
    const store = await openStore({ path: ':memory:' })
    try {
      const config = loadConfig({})
      const result = await runDemo(store, {
        outDir: join(tempDir(), 'out'),
        asOf: DEMO_AS_OF,
        seed: 'demo-test',
        deals: 1500,
        config,
        progress: () => {},
      })
      expect(result.atRisk.length).toBeGreaterThan(0)
      expect(result.atRisk.length).toBeLessThanOrEqual(5)
      const health = result.atRisk.map((d) => d.healthScore)
      expect(health).toEqual([...health].sort((a, b) => a - b))
      const open = await store.db.selectFrom('deals').select(['deal_id', 'amount', 'stage']).where('outcome', '=', 'open').execute()
      const byId = new Map(open.map((d) => [d.deal_id, d]))
      for (const d of result.atRisk) {
        expect(d.amount).toBeGreaterThanOrEqual(config.alertAmount)
        expect(byId.get(d.dealId)).toMatchObject({ amount: d.amount, stage: d.stage })
        expect(result.text).toContain(`${d.dealId} (`)
      }
      // No scored high-value deal left out is less healthy than the last one listed.
      const listed = new Set(result.atRisk.map((d) => d.dealId))
      const worst = Math.max(...health)
      const missed = result.scores.deals.filter(
        (s) => !listed.has(s.dealId) && (byId.get(s.dealId)?.amount ?? 0) >= config.alertAmount && s.healthScore < worst,
      )
      expect(missed).toEqual([])
      // A deal in another currency is listed in it, as the stalled report writes it.
      const euro = { ...result.atRisk[0]!, amount: 84_000, currency: 'eur' }
      expect(croSummary({ ...result, atRisk: [euro] })).toContain(
        `${euro.dealId} (${euro.name ? `${euro.name}, ` : ''}84k EUR, ${euro.stage})`,
      )
      for (const file of result.files) expect(existsSync(file)).toBe(true)
      // Findings are marked as every report marks them: * significant, - context.
      expect(result.summary.findings.some((f) => f.significant)).toBe(true)
      for (const f of result.summary.findings) expect(result.text).toContain(`  ${f.significant ? '*' : '-'} ${f.text}`)
      // The model's line says whether its probabilities are shifted toward the newest deals' rate, exactly when they are.
      expect(result.text).toContain(`Win-probability model: ${result.model.verdict}`)
      expect(/Probabilities are (lowered|raised) toward the newest deals' win rate/.test(result.text)).toBe(
        result.model.recentShift !== null && result.model.informative,
      )
    } finally {
      await store.close()
    }
  }, 60_000)
})
