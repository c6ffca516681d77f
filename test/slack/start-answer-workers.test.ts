import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { openStore } from '../../src/db/open-store.js'
import { AppError } from '../../src/errors.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { silentLogger } from '../../src/log/create-logger.js'
import { writeSampleFiles } from '../../src/sample/write-sample-files.js'
import { type AnswerJob, runAnswerJobHere } from '../../src/slack/app/answer-job.js'
import { createPulseServices } from '../../src/slack/app/create-pulse-services.js'
import { findDealCards } from '../../src/slack/app/find-deal-cards.js'
import { loadPulseStatus } from '../../src/slack/app/load-pulse-status.js'
import { type AnswerWorkers, startAnswerWorkers } from '../../src/slack/app/start-answer-workers.js'
import { userFacingError } from '../../src/slack/app/user-facing-error.js'
import { postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { describeEachDialect, dropTestSchema, durableStoreOptions } from '../helpers/each-dialect.js'
import { tempDir } from '../helpers/test-store.js'
import { AS_OF, PEOPLE, type SampleCompany, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

const FORM = 'application/x-www-form-urlencoded'

/** Sends `/pulse text` and waits for its answer: the response and the PNGs uploaded meanwhile. */
async function ask(t: SlackTestApp, userId: string, text: string) {
  const responseUrl = t.fake.responseUrl()
  const id = responseUrl.split('/').pop() as string
  const uploads = t.fake.pngUploads().length
  const res = await postSigned(t.url, SIGNING_SECRET, slashCommandBody({ userId, text, responseUrl }), FORM)
  expect(res.status).toBe(200)
  await waitFor(() => t.fake.responses.some((r) => r.id === id), 30_000, `the answer to /pulse ${text}`)
  return { body: t.fake.responses.find((r) => r.id === id)?.body ?? {}, pngs: t.fake.pngUploads().slice(uploads) }
}

// `pulse serve` computes reports and charts on worker threads with their own connections to a
// file-backed store; the answers must be the ones computed on the thread serving Slack.
describe('Slack answers computed on worker threads', () => {
  let company: SampleCompany
  let path: string
  let answers: AnswerWorkers
  let here: SlackTestApp
  let there: SlackTestApp
  const asked: string[] = []
  beforeAll(async () => {
    path = join(tempDir('pulse-answers-'), 'pulse.db')
    company = await sampleCompany(1500, path)
    here = await startSlackTestApp({ company })
    answers = startAnswerWorkers({ path }, company.store, { threads: 1 })
    // What the app asks the workers for, in order.
    const recording = {
      run<J extends AnswerJob>(job: J) {
        asked.push(job.kind)
        return answers.run(job)
      },
    }
    const services = createPulseServices({ store: company.store, config: here.config, logger: silentLogger(), answers: recording })
    there = await startSlackTestApp({ company, services })
  }, 60_000)
  afterAll(async () => {
    await there?.close()
    await here?.close()
    await answers?.stop()
    await company?.store.close()
  })

  it('answers every report with the same findings and chart as the thread serving Slack', async () => {
    const region = (await company.store.db.selectFrom('deals').select('region').orderBy('region').executeTakeFirstOrThrow()).region
    const deal = await company.store.db.selectFrom('deals').select(['deal_id', 'deal_name']).orderBy('deal_id').executeTakeFirstOrThrow()
    const commands: Array<[string, string]> = [
      [PEOPLE.cro, 'winrate'],
      [PEOPLE.cro, `winrate 6 region=${region}`],
      [PEOPLE.cro, 'losses'],
      [PEOPLE.cro, `funnel region=${region}`],
      [PEOPLE.cro, 'drivers'],
      [PEOPLE.cro, 'stalled'],
      [PEOPLE.manager, 'winrate'],
      [PEOPLE.rep, 'stalled'],
    ]
    for (const [user, text] of commands) {
      const a = await ask(here, user, text)
      const b = await ask(there, user, text)
      expect(JSON.stringify(b.body).length).toBeGreaterThan(200)
      expect(b.body).toEqual(a.body)
      expect(b.pngs).toHaveLength(1)
      expect(b.pngs).toEqual(a.pngs)
    }
    expect(new Set(asked)).toEqual(new Set(['winrate', 'losses', 'funnel', 'drivers', 'stalled', 'chart']))
    // Deal searches and the status come from the workers too (no chart).
    asked.length = 0
    const word = String(deal.deal_name).split(' ')[0] as string
    for (const [user, text] of [
      [PEOPLE.cro, `deal ${deal.deal_id}`],
      [PEOPLE.cro, `deal ${word.toLowerCase()}`],
      [PEOPLE.rep, `deal ${word}`],
      [PEOPLE.cro, 'status'],
      [PEOPLE.admin, 'status'],
    ] as const) {
      const a = await ask(here, user, text)
      const b = await ask(there, user, text)
      expect(String(b.body.text)).not.toContain('went wrong')
      expect(b.body).toEqual(a.body)
    }
    expect(asked).toEqual(['deals', 'deals', 'deals', 'status', 'status'])
    expect(answers.threads).toBe(1)
  }, 120_000)

  it('tells the user the same sentence when a report fails on the worker, and answers the next ones', async () => {
    const other = new SqliteDatabase(path)
    try {
      // The funnel needs the stage history; the win rate does not.
      other.exec('ALTER TABLE stage_history RENAME TO stage_history_away')
      const a = await ask(here, PEOPLE.cro, 'funnel')
      const b = await ask(there, PEOPLE.cro, 'funnel')
      expect(String(b.body.text)).toMatch(/^Something went wrong on our side/)
      expect(b.body).toEqual(a.body)
      expect(b.pngs).toHaveLength(0)
      // The worker that failed is the one still running.
      expect(answers.threads).toBe(1)
      expect(String((await ask(there, PEOPLE.cro, 'winrate 9')).body.text)).toContain('Win rate')
    } finally {
      other.exec('ALTER TABLE stage_history_away RENAME TO stage_history')
      other.close()
    }
    const again = await ask(there, PEOPLE.cro, 'funnel')
    expect(String(again.body.text)).not.toContain('went wrong')
    expect(again.pngs).toHaveLength(1)
    expect(answers.threads).toBe(1)
  }, 60_000)
})

describe('startAnswerWorkers', () => {
  it('rejects with the AppError its worker met, so the user reads the same sentence, and opens the store on a later answer', async () => {
    const missing = join(tempDir('pulse-answers-'), 'later.db')
    const { store } = await sampleCompany(200)
    const answers = startAnswerWorkers({ path: missing }, store, { threads: 1 })
    try {
      const failed = await answers.run({ kind: 'winrate', query: { asOf: AS_OF } }).catch((e: unknown) => e)
      expect(failed).toBeInstanceOf(AppError)
      expect((failed as AppError).code).toBe('bad_file')
      expect(userFacingError(failed)).toContain(`Cannot open the database at ${missing}`)
      // The store appears (the app created it): the same worker opens it for the next answer.
      const created = await sampleCompany(200, missing)
      const report = await answers.run({ kind: 'winrate', query: { asOf: AS_OF } })
      expect(report.months.length).toBeGreaterThan(0)
      expect(answers.threads).toBe(1)
      await created.store.close()
    } finally {
      await answers.stop()
      await store.close()
    }
  }, 30_000)

  it('stops its threads on stop, failing the answers in progress and refusing later ones', async () => {
    const path = join(tempDir('pulse-answers-'), 'pulse.db')
    const { store } = await sampleCompany(200, path)
    const answers = startAnswerWorkers({ path }, store)
    try {
      expect(answers.threads).toBe(0)
      await answers.run({ kind: 'winrate', query: { asOf: AS_OF } })
      expect(answers.threads).toBe(1)
      const inProgress = answers.run({ kind: 'stalled', query: { asOf: AS_OF } }).catch((e: unknown) => e)
      await answers.stop()
      expect(answers.threads).toBe(0)
      expect(await inProgress).toBeInstanceOf(Error)
      await expect(answers.run({ kind: 'winrate', query: { asOf: AS_OF } })).rejects.toThrow(/stopped/)
    } finally {
      await answers.stop()
      await store.close()
    }
  }, 30_000)

  it('readies every thread on warm(), before any answer, so the first chart is drawn as fast as later ones', async () => {
    const path = join(tempDir('pulse-answers-'), 'pulse.db')
    const { store } = await sampleCompany(300, path)
    const report = await runAnswerJobHere(store.db, { kind: 'losses', query: { asOf: AS_OF } })
    const chart: AnswerJob = { kind: 'chart', chart: 'losses', report }
    const firstChartMs = async (warm: boolean) => {
      const answers = startAnswerWorkers({ path }, store)
      try {
        if (warm) {
          await answers.warm()
          // Every thread started and ready, though nothing was asked yet.
          expect(answers.threads).toBe(2)
        }
        const started = performance.now()
        const drawn = await answers.run(chart)
        expect(drawn.png.subarray(1, 4).toString()).toBe('PNG')
        return performance.now() - started
      } finally {
        await answers.stop()
      }
    }
    try {
      // A cold thread starts, opens the store and loads the chart renderer in front of the first chart.
      const cold = await firstChartMs(false)
      const warmed = await firstChartMs(true)
      expect(warmed).toBeLessThan(cold / 2)
    } finally {
      await store.close()
    }
  }, 60_000)

  it('resolves warm() when a thread cannot open its store, and the next answer opens it', async () => {
    const missing = join(tempDir('pulse-answers-'), 'later.db')
    const { store } = await sampleCompany(200)
    const answers = startAnswerWorkers({ path: missing }, store, { threads: 1 })
    try {
      await answers.warm()
      const created = await sampleCompany(200, missing)
      const report = await answers.run({ kind: 'winrate', query: { asOf: AS_OF } })
      expect(report.months.length).toBeGreaterThan(0)
      await created.store.close()
    } finally {
      await answers.stop()
      await store.close()
    }
  }, 30_000)

  it('runs the jobs of an in-memory store on the calling thread', async () => {
    const { store } = await sampleCompany(200)
    const answers = startAnswerWorkers({ path: ':memory:' }, store)
    const report = await answers.run({ kind: 'winrate', query: { asOf: AS_OF } })
    expect(report.months.length).toBeGreaterThan(0)
    expect(answers.threads).toBe(0)
    await answers.stop()
    await store.close()
  })
})

describeEachDialect('startAnswerWorkers on a store another thread can open', (dialect) => {
  it('computes every report and its chart as the calling thread does', async () => {
    const dir = tempDir('pulse-answers-')
    const where = durableStoreOptions(dialect, join(dir, 'pulse.db'))
    const sample = writeSampleFiles({ out: join(dir, 'deals.csv'), deals: 1200, seed: 5, asOf: AS_OF })
    const store = await openStore(where)
    const answers = startAnswerWorkers(where, store)
    try {
      await importCsvFile(store, { path: sample.csv, stages: DEFAULT_STAGES })
      const region = (await store.db.selectFrom('deals').select('region').orderBy('region').executeTakeFirstOrThrow()).region
      const query = { asOf: AS_OF, where: { region } }
      const jobs: AnswerJob[] = [
        { kind: 'winrate', query: { ...query, months: 9 } },
        { kind: 'losses', query },
        { kind: 'funnel', query },
        { kind: 'drivers', query: { asOf: AS_OF } },
        { kind: 'stalled', query: { ...query, limit: 20 } },
      ]
      const deal = await store.db
        .selectFrom('deals')
        .select(['deal_id', 'deal_name', 'owner_id'])
        .orderBy('deal_id')
        .executeTakeFirstOrThrow()
      const name = String(deal.deal_name).slice(0, 4).toLowerCase()
      for (const job of [
        { kind: 'deals', idOrName: deal.deal_id, asOf: AS_OF, limit: 5 },
        { kind: 'deals', idOrName: name, asOf: AS_OF, limit: 21 },
        { kind: 'deals', idOrName: name, asOf: AS_OF, limit: 21, ownerIds: [deal.owner_id] },
        { kind: 'status' },
      ] as const) {
        const there = await answers.run(job)
        expect(there).toEqual(
          job.kind === 'status'
            ? await loadPulseStatus(store.db)
            : await findDealCards(store.db, job.idOrName, job.asOf, job.limit, 'ownerIds' in job ? job.ownerIds : undefined),
        )
      }
      for (const job of jobs) {
        const there = await answers.run(job)
        expect(there).toEqual(await runAnswerJobHere(store.db, job))
        const chart: AnswerJob = { kind: 'chart', chart: job.kind as 'winrate', report: there as never }
        const drawn = await answers.run(chart)
        expect(Buffer.isBuffer(drawn.png)).toBe(true)
        expect(drawn).toEqual(await runAnswerJobHere(store.db, chart))
      }
      // One answer at a time: the second thread is not started.
      expect(answers.threads).toBe(1)
    } finally {
      await answers.stop()
      if (where.schema) await dropTestSchema(store.db, where.schema)
      await store.close()
    }
  }, 60_000)
})
