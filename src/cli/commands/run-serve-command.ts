import { todayOf } from '../../config.js'
import { isRollupStale } from '../../db/is-rollup-stale.js'
import { openStore, type Store, type StoreOptions } from '../../db/open-store.js'
import { retryWhileBusy } from '../../db/retry-while-busy.js'
import { createSyncJob } from '../../ingest/sync-crm.js'
import type { HeavyJob } from '../../jobs/heavy-job.js'
import { holdSqliteInstance } from '../../jobs/hold-sqlite-instance.js'
import { idleJob, pausedJob } from '../../jobs/idle-job.js'
import { runHeavyJob } from '../../jobs/run-heavy-job.js'
import { startScheduler } from '../../jobs/start-scheduler.js'
import { createLogger, type Logger } from '../../log/create-logger.js'
import { configuredStages } from '../../services/configured-stages.js'
import { applyConfiguredStageOrder, type StageOrderInUse, stageOrderSentence } from '../../services/stage-order-in-use.js'
import { watchRoster } from '../../slack/access/load-roster.js'
import { boundPort } from '../../slack/app/bound-port.js'
import { createPulseServices } from '../../slack/app/create-pulse-services.js'
import type { createSlackApp } from '../../slack/app/create-slack-app.js'
import { createSlackJobs } from '../../slack/app/create-slack-jobs.js'
import { requireSlackSettings } from '../../slack/app/require-slack-settings.js'
import { type AnswerWorkers, startAnswerWorkers } from '../../slack/app/start-answer-workers.js'
import { drainOutbox, outboxLeaseMs } from '../../slack/outbox/drain-outbox.js'
import { startOutboxWatch } from '../../slack/outbox/watch-outbox.js'
import { cliConfig, noteDbIgnored } from '../cli-context.js'
import type { CliIo, CommonOptions } from '../cli-options.js'
import type { registerServeCommand } from './serve-command.js'

/** How a scheduled sync with no CRM configured is recorded (`pulse status` shows it). */
const NO_CRM = 'No CRM is configured (HUBSPOT_TOKEN or SALESFORCE_URL): deals come from CSV imports only.'

/** How often `pulse serve` looks at the roster file for an edit (the watch itself reads it at most every 5 s). */
const ROSTER_LOOK_MS = 5000

/** Runs `pulse serve` with what Commander parsed: the work behind {@link registerServeCommand}. */
export async function runServeCommand(options: CommonOptions, io: CliIo): Promise<void> {
  const config = cliConfig()
  const logger = createLogger(config.logLevel)
  // SIGINT and SIGTERM are caught from the first moment: one that arrives while it starts ends
  // the start-up at the next step, closing what did start (the same signal again ends the process).
  const stop = new AbortController()
  const requestStop = () => stop.abort()
  process.once('SIGINT', requestStop)
  process.once('SIGTERM', requestStop)
  const stopped = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }))
  noteDbIgnored(options, config.databaseUrl, io)
  // Before the store is opened: a missing token must not leave a new, empty database behind.
  requireSlackSettings(config)
  // Started beside a large first import (which holds a SQLite file to itself), it waits for it.
  let store: Store
  const where: StoreOptions = { path: options.db ?? config.dbPath, ...(config.databaseUrl ? { url: config.databaseUrl } : {}) }
  try {
    store = await retryWhileBusy(
      () => openStore({ ...where, onUpgrade: (note) => logger.warn(note) }),
      120_000,
      () => logger.warn('the database is busy (an import is writing to it); waiting for it before starting'),
      stop.signal,
    )
  } catch (error) {
    if (stop.signal.aborted) return stoppedWhileStarting(io)
    throw error
  }
  // Until everything has started, a failure (a broken roster, a refused token, unreachable
  // Slack) stops what did start and closes the store, so the sentence is printed and the process
  // ends now instead of listening half-started.
  const started: Array<() => Promise<void>> = [() => store.close()]
  // Republishing the Home tabs after a roster edit, and the timer that looks for one.
  let republishing = Promise.resolve()
  let rosterLook: NodeJS.Timeout | undefined
  let stageOrder: StageOrderInUse | undefined
  let running: {
    slack: ReturnType<typeof createSlackApp>
    watch: ReturnType<typeof startOutboxWatch>
    scheduler: ReturnType<typeof startScheduler>
    hold: Awaited<ReturnType<typeof holdSqliteInstance>>
    answers: AnswerWorkers
    // The port listened on (the system's choice with PORT=0); undefined in Socket Mode without charts.
    port: number | undefined
  }
  try {
    // SQLite serves one instance: a second `pulse serve` on the same file is refused.
    const hold = await holdSqliteInstance(store, { logger, stop: stop.signal })
    started.unshift(() => hold.release())
    // PULSE_STAGES changed since the last import applies from this start, in Slack and the jobs
    // as in `pulse report`, instead of waiting for the next import.
    // An import or a sync writing meanwhile (one started with it, or the summaries it rebuilds) is waited for.
    stageOrder = await applyConfiguredStageOrder(store, await configuredStages(store, config), config.stages, {
      stop: stop.signal,
      onWait: () => logger.warn('the database is busy (an import or a sync is writing to it); waiting for it before starting'),
    })
    // An edited roster file takes effect within seconds; a broken edit keeps the last good one.
    let rosterChanged = () => {}
    const roster = watchRoster(config.rosterPath, {
      onReload: (r) => {
        logger.info({ executives: r.executives.size, admins: r.admins.size, managers: r.managers.size }, 'roster file changed: re-read')
        rosterChanged()
      },
      onError: (error) => logger.error(`${error.message} The previous roster stays in force.`),
    })
    // Work that keeps a CPU busy for seconds runs on worker threads: Slack requests are still acknowledged.
    const heavy = <J extends HeavyJob>(job: J, signal?: AbortSignal) => runHeavyJob(where, store, job, signal)
    // So do the reports and charts of Slack answers (seconds of SQL for a filtered or past report).
    const answers = startAnswerWorkers(where, store)
    started.unshift(() => answers.stop())
    // The threads get ready (store opened, chart renderer loaded) as the app starts, not in front of its first answer.
    void answers.warm()
    const services = createPulseServices({
      store,
      config,
      logger,
      answers,
      followUps: {
        refreshRollup: async () => (await heavy({ kind: 'refresh-rollup' })).refreshed,
        scoreOpenDeals: async (asOf, idleDays) => (await heavy({ kind: 'score', asOf, idleDays })).scored,
      },
    })
    // Bolt loads here, not when the CLI starts, so the other commands start quicker.
    const { createSlackApp } = await import('../../slack/app/create-slack-app.js')
    const { republishHomeTabs } = await import('../../slack/home/refresh-home-tabs.js')
    const slack = createSlackApp({ store, config, logger, roster, services })
    started.unshift(() => slack.stop())
    const server = await untilStopped(slack.start(), stop.signal)
    // Home tabs already published show what the roster allowed before an edit (company figures
    // to someone taken off it): they are republished under the new one, one pass at a time. The
    // file is looked at every few seconds, not only when a request asks who may see what.
    rosterChanged = () => {
      republishing = republishing
        .then(() => republishHomeTabs(slack.ctx, slack.client, stop.signal))
        .then(
          () => undefined,
          (error: unknown) => logger.warn({ err: error }, 'Home tabs could not be republished after the roster changed'),
        )
    }
    rosterLook = setInterval(roster, ROSTER_LOOK_MS)
    rosterLook.unref()
    started.unshift(async () => {
      clearInterval(rosterLook)
      await republishing
    })
    const watch = startOutboxWatch({
      store,
      logger,
      leaseMs: outboxLeaseMs(store, config),
      drain: (drainOptions) => drainOutbox(slack.ctx, drainOptions),
    })
    started.unshift(() => watch.stop())
    const syncJob = createSyncJob({
      store,
      config,
      logger,
      refresh: async (signal) => (await heavy({ kind: 'refresh-rollup' }, signal)).refreshed,
    })
    const today = () => todayOf(config)
    // While Slack refuses the bot token (uninstalled, revoked) a Slack job calls nothing: its run is skipped, with the fix.
    const jobs = createSlackJobs(slack.ctx, slack.client, { afterDrain: watch.afterDrain, paused: pausedJob })
    const scheduler = startScheduler({
      store,
      config,
      logger,
      jobs: {
        sync: async (signal) => (await syncJob(signal)) ?? idleJob(NO_CRM),
        score: (signal) => heavy({ kind: 'score', asOf: today(), idleDays: config.idleDays }, signal),
        refreshHome: jobs.refreshHome,
        retrain: (signal) => heavy({ kind: 'retrain', asOf: today(), staleDays: config.staleDays }, signal),
        stalledAlerts: jobs.stalledDealDms,
        anomalyCheck: jobs.anomalyCheck,
      },
      notifyAdmins: jobs.notifyAdmins,
    })
    running = { slack, watch, scheduler, hold, answers, port: server ? boundPort(server, config.port) : undefined }
  } catch (error) {
    for (const close of started) await close().catch(() => undefined)
    if (stop.signal.aborted) return stoppedWhileStarting(io)
    throw error
  }
  const { slack, watch, scheduler, hold, answers, port } = running
  let rebuilding: Promise<void> = Promise.resolve()
  if (!stop.signal.aborted) {
    void watch.drain()
    // Summaries built for the open stages of another order are rebuilt for the one saved now.
    rebuilding = rebuildStaleSummaries(where, store, logger, stop.signal, stageOrder?.saved === true)
    io.err(
      slack.mode === 'http'
        ? `Sales Pulse is listening on port ${port ?? config.port} (POST /slack/events). Ctrl-C stops it.`
        : `Sales Pulse is connected to Slack (Socket Mode)${port === undefined ? '' : `, serving the Home tab's charts on port ${port}`}. Ctrl-C stops it.`,
    )
    if (stageOrder) io.err(stageOrderSentence(stageOrder))
    if (config.rosterPath === undefined) {
      io.err(
        'No roster is set (PULSE_ROSTER), so everyone sees only the deals they own: nobody sees company or team figures or may run /pulse sync. Name your executives, admins and managers in a roster YAML (see docs/slack.md) and set PULSE_ROSTER to it.',
      )
    }
  }
  await stopped
  io.err('Stopping…')
  clearInterval(rosterLook)
  await republishing
  await watch.stop()
  await scheduler.stop()
  await rebuilding
  await slack.stop()
  await answers.stop()
  await hold.release()
  await store.close()
}

/**
 * Rebuilds the report summaries (the analytics rollup) on a worker thread when they describe
 * other data than the store holds (a sync cut short, an upgrade that set an earlier release's
 * aside), or when this start saved another stage order (`stageOrderSaved`: the funnel's summaries
 * are built for the open stages of one order), so reports read them again within seconds instead of
 * counting every deal until the next import or sync. Never rejects: a failure is logged, and reports go on counting the deals.
 */
async function rebuildStaleSummaries(
  where: StoreOptions,
  store: Store,
  logger: Logger,
  signal: AbortSignal,
  stageOrderSaved: boolean,
): Promise<void> {
  try {
    if (!stageOrderSaved && !(await isRollupStale(store.db))) return
    logger.info('the report summaries are out of date: rebuilding them')
    await runHeavyJob(where, store, { kind: 'refresh-rollup' }, signal)
    logger.info('report summaries rebuilt')
  } catch (error) {
    if (!signal.aborted)
      logger.warn({ err: error }, 'the report summaries could not be rebuilt; reports count the deals until the next import or sync')
  }
}

/**
 * `starting`, or a rejection as soon as `signal` is aborted: a stop asked for while the Slack app
 * connects is not held up by it (Bolt retries a Socket Mode WebSocket a proxy keeps refusing for
 * ever, and an unreachable Web API for seconds).
 */
function untilStopped<T>(starting: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('stopped while starting'))
    if (signal.aborted) onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    starting.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

// A stop asked for while the store was still busy (or while a step failed): nothing is left running.
function stoppedWhileStarting(io: CliIo): void {
  io.err('Stopped before it had started.')
}
