import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderReportChart } from '../../src/charts/render-report-chart.js'
import { loadConfig } from '../../src/config.js'
import { findHomeSnapshot } from '../../src/db/slack-home.js'
import { AppError } from '../../src/errors.js'
import { silentLogger } from '../../src/log/create-logger.js'
import type { AnswerJob } from '../../src/slack/app/answer-job.js'
import { CHARTS_BUSY, createPulseServices } from '../../src/slack/app/create-pulse-services.js'
import { loadHomeSnapshot } from '../../src/slack/home/home-snapshot.js'
import { postSigned, slashCommandBody, waitFor } from '../fakes/slack-fake.js'
import { AS_OF, PEOPLE, SIGNING_SECRET, type SlackTestApp, sampleCompany, startSlackTestApp } from './slack-test-app.js'

// Chart drawings (answer workers) that start only once the test lets them: a slow machine's queue.
function heldDrawings() {
  let release: () => void = () => undefined
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  return {
    release,
    async run(job: AnswerJob) {
      if (job.kind !== 'chart') throw new Error(`unexpected job ${job.kind}`)
      await released
      const chart = await renderReportChart(job.chart, job.report as never)
      return { png: chart.png, title: chart.title, altText: chart.altText }
    },
  }
}

describe('/pulse while too many charts wait to be drawn (PULSE_CHART_QUEUE_MAX)', () => {
  let t: SlackTestApp
  const drawings = heldDrawings()
  beforeAll(async () => {
    const company = await sampleCompany()
    const env = { PULSE_CHART_QUEUE_MAX: '1' }
    const config = loadConfig({ PULSE_AS_OF: AS_OF, ...env })
    const logger = silentLogger()
    const reports = createPulseServices({ store: company.store, config, logger })
    const charts = createPulseServices({ store: company.store, config, logger, answers: drawings as never, chartsAtOnce: 1 })
    t = await startSlackTestApp({ company, env, services: { ...reports, renderChart: charts.renderChart } })
  }, 60_000)
  afterAll(async () => {
    await t?.close()
  })

  it('acks every command at once, tells those beyond the limit in one private sentence to try again in a minute, and answers the others with their charts', async () => {
    // Four different reports (each its own chart): one drawn at a time, one waiting, two refused.
    const texts = ['winrate 6', 'winrate 7', 'winrate 8', 'winrate 9']
    const urls = texts.map(() => t.fake.responseUrl())
    const acks = await Promise.all(
      texts.map(async (text, i) => {
        const started = Date.now()
        const res = await postSigned(
          t.url,
          SIGNING_SECRET,
          slashCommandBody({ userId: PEOPLE.cro, text, responseUrl: urls[i] as string }),
          'application/x-www-form-urlencoded',
        )
        return { ...res, ms: Date.now() - started }
      }),
    )
    for (const ack of acks) {
      expect(ack.status).toBe(200)
      expect(ack.text).toMatch(/Working on/)
      expect(ack.ms).toBeLessThan(3000)
    }
    const answersTo = (url: string) => t.fake.responses.filter((r) => r.id === url.split('/').pop())
    const refused = () => urls.filter((u) => answersTo(u).some((r) => r.body.text === CHARTS_BUSY))
    await waitFor(() => refused().length === 2, 30_000, 'two commands told to try again')
    for (const url of refused()) {
      expect(answersTo(url).map((r) => r.body)).toEqual([{ response_type: 'ephemeral', replace_original: true, text: CHARTS_BUSY }])
    }
    drawings.release()
    await waitFor(() => t.fake.pngUploads().length === 2, 30_000, 'the two other charts')
    const answered = urls.filter((u) => !refused().includes(u))
    await waitFor(() => answered.every((u) => answersTo(u).length > 0), 30_000, 'the two other answers')
    for (const url of answered) expect(JSON.stringify(answersTo(url).at(-1)?.body)).toMatch(/chart is in your DM/)
  }, 60_000)

  it('shows the Home figures without a chart refused for the limit, and draws it on the next open instead of keeping the snapshot without it', async () => {
    drawings.release()
    const ctx = { ...t.slack.ctx, publicUrl: 'https://pulse.example.com' }
    const db = t.company.store.db
    await db.deleteFrom('slack_home_snapshots').execute()
    const busy = { ...ctx, services: { ...ctx.services, renderChart: () => Promise.reject(new AppError('busy', CHARTS_BUSY)) } }
    const flooded = await loadHomeSnapshot(busy, null, AS_OF)
    expect(flooded.charts).toEqual({})
    expect(flooded.pipeline.count).toBeGreaterThan(0)
    expect(await findHomeSnapshot(db, 'all')).toBeUndefined()
    const later = await loadHomeSnapshot(ctx, null, AS_OF)
    expect(later.charts.winrate).toMatch(/^https:\/\/pulse\.example\.com\/charts\//)
  }, 60_000)
})
