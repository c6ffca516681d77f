import { Server } from 'node:http'
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, webApi } from '@slack/bolt'
import type { Config } from '../../config.js'
import { requireSettings, todayOf } from '../../config.js'
import type { Store } from '../../db/open-store.js'
import { AppError } from '../../errors.js'
import type { Logger } from '../../log/create-logger.js'
import type { Roster } from '../access/load-roster.js'
import { workspaceOf } from '../access/request-workspace.js'
import { slackErrorCode } from '../access/slack-user-directory.js'
import { register as registerActions } from '../actions/register.js'
import { register as registerCommands } from '../commands/register.js'
import { register as registerEvents } from '../events/register.js'
import { chartImageRoute } from '../home/chart-images.js'
import { register as registerHome } from '../home/register.js'
import { ackAppRateLimited } from './ack-app-rate-limited.js'
import { ackUnusedPayloads } from './ack-unused-payloads.js'
import { boltLogger } from './bolt-logger.js'
import { clearBotTokenRefusal } from './bot-token-refusal.js'
import { boundPort } from './bound-port.js'
import { createCommandRateLimit } from './command-rate-limit.js'
import { dedupeEvents } from './dedupe-events.js'
import { guardSlackRequests, SLACK_EVENTS_PATH } from './guard-slack-requests.js'
import { guardWorkspace } from './guard-workspace.js'
import type { PulseServices } from './pulse-services.js'
import { requireSlackSettings } from './require-slack-settings.js'
import type { Clock, SlackClient, SlackContext } from './slack-context.js'

/** What `createSlackApp` needs. */
export interface SlackAppOptions {
  readonly store: Store
  readonly config: Config
  readonly logger: Logger
  /** Who sees what: a roster, or a function giving the current one (see `watchRoster`). */
  readonly roster: Roster | (() => Roster)
  readonly services: PulseServices
  /** Default: the wall clock, as-of `PULSE_AS_OF` or today (UTC). */
  readonly clock?: Clock
  /** Web API retries on errors other than 429 (default {@link INTERACTIVE_RETRIES}). */
  readonly retries?: number
  /**
   * Skip `auth.test` at start-up (tests that know the bot's ids): `teamId` (and `enterpriseId` on
   * Enterprise Grid) is the workspace the app serves, as `auth.test` would name it.
   */
  readonly botIds?: { readonly botId: string; readonly botUserId: string; readonly teamId: string; readonly enterpriseId?: string }
}

/** How long `stop` waits for the work of requests already delivered (well within a supervisor's grace period). */
const STOP_WAIT_MS = 10_000

/** A built Slack app: Bolt's `App`, the context its listeners share, and start/stop. */
export interface SlackApp {
  readonly app: App
  readonly ctx: SlackContext
  /** The Web API client of the app (Bolt's), for jobs. */
  readonly client: SlackClient
  /**
   * Checks the bot token (`auth.test`), then in HTTP mode listens on `port` (0 = any) and returns
   * the server; in Socket Mode connects, and returns the server of the Home tab's charts when it
   * listens on `port` for them (with `PULSE_PUBLIC_URL`), else undefined. A refusal of the bot
   * token recorded in the store (an uninstall, a revoked token: see `recordBotTokenRefused`) is
   * forgotten once `auth.test` succeeds.
   *
   * @throws AppError `bad_config` with the fix when Slack refuses the token or cannot be reached.
   */
  start(port?: number): Promise<Server | undefined>
  /**
   * Stops listening, then waits (up to 10 s) for the work of requests already delivered. Called
   * while `start` is still under way, it makes `start` reject (AppError `internal`) without
   * listening or connecting, or close again what it had opened.
   */
  stop(): Promise<void>
  readonly mode: 'http' | 'socket'
}

// The port cannot be listened on: the user's to fix (another program has it, or it needs privileges).
function listenError(error: unknown, port: number): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'EADDRINUSE') {
    return new AppError('bad_config', `Port ${port} is already in use by another program. Stop it, or set PORT to a free port.`, {
      cause: error,
    })
  }
  if (code === 'EACCES') {
    return new AppError('bad_config', `Port ${port} needs privileges this process lacks. Set PORT to 1024 or above.`, { cause: error })
  }
  return error instanceof Error ? error : new Error(String(error))
}

// The start-up auth.test failed: name the variable and what to check (never the token).
function startupError(error: unknown, config: Config): Error {
  const e = error as { code?: string; statusCode?: number; original?: { message?: string; cause?: { code?: string; message?: string } } }
  const where = `Slack's Web API at ${slackApiBaseUrl(config) ?? 'https://slack.com/api/'}`
  if (e?.code === 'slack_webapi_request_error') {
    const why = e.original?.cause?.code ?? e.original?.cause?.message ?? e.original?.message ?? 'no answer'
    return new AppError('bad_config', `Could not reach ${where} (${why}). Check the network and SLACK_API_URL, then start again.`, {
      cause: error,
    })
  }
  if (e?.code === 'slack_webapi_http_error') {
    // A 5xx is Slack's own fault (an outage), not a setting: saying "check SLACK_API_URL" alone sends the operator the wrong way.
    if ((e.statusCode ?? 0) >= 500) {
      return new AppError(
        'bad_config',
        `${where} answered auth.test with HTTP ${e.statusCode}: Slack is failing on its side, usually for a few minutes (see https://slack-status.com). Start again once it answers; if this lasts while Slack reports no incident, check SLACK_API_URL.`,
        { cause: error },
      )
    }
    return new AppError('bad_config', `${where} answered auth.test with HTTP ${e.statusCode}. Check SLACK_API_URL.`, { cause: error })
  }
  const code = slackErrorCode(error)
  if (code === undefined) return error instanceof Error ? error : new Error(String(error))
  const why =
    code === 'invalid_auth' || code === 'not_authed' || code === 'token_revoked' || code === 'account_inactive' || code === 'token_expired'
      ? 'Copy the Bot User OAuth Token (xoxb-...) of the installed app into SLACK_BOT_TOKEN.'
      : 'Check SLACK_BOT_TOKEN and SLACK_API_URL.'
  return new AppError('bad_config', `Slack refused SLACK_BOT_TOKEN (auth.test: ${code}). ${why}`, { cause: error })
}

// Socket Mode: `apps.connections.open` with SLACK_APP_TOKEN, a refusal named as the variable to fix (never the token).
async function checkAppToken(config: Config, logger: Logger): Promise<void> {
  const client = new webApi.WebClient(config.slack.appToken as string, {
    ...webClientOptions(config, 2),
    logger: boltLogger(logger, 'slack-web-api'),
    logLevel: LogLevel.WARN,
  })
  try {
    await client.apps.connections.open({})
  } catch (error) {
    const code = slackErrorCode(error)
    if (code === 'ratelimited') return
    if (code === undefined) throw startupError(error, config)
    const why =
      code === 'not_allowed_token_type'
        ? "It must be an app-level token (xapp-...), not the bot token: create one in the app's settings, under App-Level Tokens."
        : code === 'missing_scope'
          ? "Give the app-level token the connections:write scope (in the app's settings, under App-Level Tokens)."
          : 'Copy an app-level token (xapp-...) with the connections:write scope into SLACK_APP_TOKEN, or unset it for HTTP mode.'
    throw new AppError('bad_config', `Slack refused SLACK_APP_TOKEN (apps.connections.open: ${code}). ${why}`, { cause: error })
  }
}

/**
 * The HTTP server Bolt's Socket Mode receiver serves the custom routes (the Home tab's charts) on,
 * listening on `PORT` once started. Bolt keeps it private and listens without an error handler, so
 * a port in use would end the process with an unhandled 'error' event. Undefined without routes.
 */
function socketRoutesServer(receiver: SocketModeReceiver): Server | undefined {
  const server = (receiver as unknown as { httpServer?: unknown }).httpServer
  return server instanceof Server ? server : undefined
}

/** Resolves once `server` listens, or rejects with its listen error. */
function listened(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error)
    server.once('error', onError)
    server.once('listening', () => {
      server.off('error', onError)
      resolve()
    })
  })
}

/** The Web API base URL with the trailing slash the client needs; undefined = Slack's own. */
export function slackApiBaseUrl(config: Config): string | undefined {
  const url = config.slack.apiUrl
  return url === undefined ? undefined : url.endsWith('/') ? url : `${url}/`
}

/**
 * Web API retries on errors other than a rate limit's wait: four, about 0.5, 1, 2 and 4 s apart
 * (at most about 15 s in all), so someone waiting on `/pulse` hears back while it matters.
 * The client's own default retries for about thirty minutes, past a response URL's life.
 */
export const INTERACTIVE_RETRIES = { retries: 4, factor: 2, minTimeout: 500, maxTimeout: 8000, randomize: false } as const

function webClientOptions(config: Config, retries: number | undefined) {
  const slackApiUrl = slackApiBaseUrl(config)
  return { ...(slackApiUrl ? { slackApiUrl } : {}), retryConfig: retries === undefined ? { ...INTERACTIVE_RETRIES } : { retries } }
}

/**
 * The context Slack listeners and jobs share, without a receiver: what `pulse alerts` and the
 * scheduled Slack jobs need. `ctx.pacedClient` throws on 429 so paced senders handle Retry-After.
 *
 * @throws AppError `bad_config` when `SLACK_BOT_TOKEN` is missing.
 */
export function createSlackContext(options: SlackAppOptions): SlackContext {
  const { config, logger } = options
  requireSettings([['SLACK_BOT_TOKEN', config.slack.botToken]], 'Sending Slack messages')
  const webLogger = boltLogger(logger, 'slack-web-api')
  // No client-side retries here: a retried post whose first answer was lost would arrive twice.
  // The outbox retries instead, after checking what Slack already has.
  const pacedClient = new webApi.WebClient(config.slack.botToken as string, {
    ...webClientOptions(config, 0),
    timeout: 30_000,
    rejectRateLimitedCalls: true,
    logger: webLogger,
    logLevel: LogLevel.WARN,
  })
  const uploadClient = new webApi.WebClient(config.slack.botToken as string, {
    ...webClientOptions(config, options.retries),
    timeout: 30_000,
    rejectRateLimitedCalls: true,
    logger: webLogger,
    logLevel: LogLevel.WARN,
  })
  const roster = options.roster
  return {
    store: options.store,
    config,
    logger,
    get roster() {
      return typeof roster === 'function' ? roster() : roster
    },
    clock: options.clock ?? { now: () => new Date(), asOf: () => todayOf(config) },
    services: options.services,
    publicUrl: config.publicUrl,
    pacedClient,
    uploadClient,
    commandLimit: createCommandRateLimit(config.commandsPerMinute),
    ownWorkspace: { current: undefined },
  }
}

/** A Web API client for jobs outside a running app (Bolt's own client otherwise). */
export function createWebClient(config: Config, logger: Logger, retries?: number): SlackClient {
  requireSettings([['SLACK_BOT_TOKEN', config.slack.botToken]], 'Sending Slack messages')
  return new webApi.WebClient(config.slack.botToken as string, {
    ...webClientOptions(config, retries),
    logger: boltLogger(logger, 'slack-web-api'),
    logLevel: LogLevel.WARN,
  })
}

/**
 * Builds the Slack app (Bolt 5): HTTP mode (`POST /slack/events`, v0 signatures checked) with
 * `SLACK_BOT_TOKEN` + `SLACK_SIGNING_SECRET`, or Socket Mode when `SLACK_APP_TOKEN` is set; the
 * Web API goes to `SLACK_API_URL` when set. Registers `/pulse`, App Home and the buttons, and
 * serves Home chart images at `/charts/<token>.png`.
 *
 * @throws AppError `bad_config` naming the missing Slack variables.
 */
export function createSlackApp(options: SlackAppOptions): SlackApp {
  const { config, logger } = options
  const socket = config.slack.appToken !== undefined
  requireSlackSettings(config)
  const token = config.slack.botToken as string
  const clientOptions = webClientOptions(config, options.retries)
  const ctx = createSlackContext(options)
  const blogger = boltLogger(logger)
  // Charts are served for the Home tab only at PULSE_PUBLIC_URL: without it, Socket Mode listens on no port at all.
  const routes = socket && config.publicUrl === undefined ? [] : [chartImageRoute(ctx)]
  let receiver: HTTPReceiver | SocketModeReceiver
  if (socket) {
    receiver = new SocketModeReceiver({
      appToken: config.slack.appToken as string,
      logger: blogger,
      customRoutes: routes,
      installerOptions: { port: config.port, clientOptions },
    })
  } else {
    const http = new HTTPReceiver({
      signingSecret: config.slack.signingSecret as string,
      endpoints: SLACK_EVENTS_PATH,
      customRoutes: routes,
      logger: blogger,
    })
    http.requestListener = guardSlackRequests(http.requestListener, logger.child({ component: 'bolt' }))
    receiver = http
  }
  const app = new App({
    token,
    receiver,
    logger: blogger,
    // A 429 throws rather than holding every later call of the app's client (other people's
    // answers, DMs and Home tabs) for the Retry-After; each caller decides whether to wait.
    clientOptions: { ...clientOptions, rejectRateLimitedCalls: true },
    // The token is checked (auth.test) in start(), where a refusal can stop start-up with a
    // sentence instead of crashing the process later as an unhandled rejection.
    deferInitialization: true,
    ...(options.botIds ? { botId: options.botIds.botId, botUserId: options.botIds.botUserId, tokenVerificationEnabled: false } : {}),
  })
  app.error(async (error) => {
    logger.error({ err: error }, 'unhandled error in a Slack listener')
  })
  // Inside the app_rate_limited check, which takes that body before it reaches this one.
  ackUnusedPayloads(app, logger)
  ackAppRateLimited(app, logger)
  // Events are acked before their listeners finish: `stop` waits for the work still running, so
  // the store it writes to stays open for it (`pulse serve` closes the store right after).
  const inFlight = new Set<Promise<void>>()
  // A stop that comes while `start` is still connecting (a stopping `pulse serve`) must not be
  // undone by the rest of `start`, which would then listen or connect with nothing left to stop it.
  let stopRequested = false
  // Where Bolt's own start is: `stop` stops Bolt only once its start was called and did not fail.
  let bolt: 'idle' | 'starting' | 'started' | 'failed' = 'idle'
  const stoppedWhileStarting = () => new AppError('internal', 'The Slack app was stopped before it had started.')
  const processEvent = app.processEvent.bind(app)
  app.processEvent = (event) => {
    const work = processEvent(event)
    inFlight.add(work)
    work.finally(() => inFlight.delete(work)).catch(() => undefined)
    return work
  }
  // The workspace the bot token belongs to (`auth.test` in `start`): requests from any other are logged (or refused).
  if (options.botIds) {
    const { teamId, enterpriseId } = options.botIds
    ctx.ownWorkspace.current = { teamId, ...(enterpriseId ? { enterpriseId } : {}) }
  }
  app.use(dedupeEvents(logger))
  app.use(guardWorkspace(() => ctx.ownWorkspace.current, logger, ctx.config.slackOtherWorkspaces))
  registerCommands(app, ctx)
  registerHome(app, ctx)
  registerActions(app, ctx)
  registerEvents(app, ctx)
  return {
    app,
    ctx,
    client: app.client,
    mode: socket ? 'socket' : 'http',
    async start(port = config.port) {
      try {
        // A quick first look (a few seconds of retries), so an unreachable Slack or a wrong
        // SLACK_API_URL stops start-up at once instead of after half an hour of retries.
        if (!options.botIds) ctx.ownWorkspace.current = workspaceOf(await createWebClient(config, logger, 2).auth.test())
        await app.init()
      } catch (error) {
        throw startupError(error, config)
      }
      if (stopRequested) throw stoppedWhileStarting()
      // Slack accepts the token: a refusal recorded before (an uninstall, a revoked token) is over.
      if (!options.botIds) await clearBotTokenRefusal(ctx)
      // Bolt's socket client retries a refused app token (a bot token in its place, a missing
      // connections:write scope) for ever without a word on stderr: ask once first.
      if (socket) await checkAppToken(config, logger)
      if (stopRequested) throw stoppedWhileStarting()
      let started: unknown
      // In Socket Mode the port (for the charts) is listened on beside the socket: wait for both.
      const routes = receiver instanceof SocketModeReceiver ? socketRoutesServer(receiver) : undefined
      let portRefused = false
      const routesListening = routes
        ? listened(routes).catch((error: unknown) => {
            portRefused = true
            throw error
          })
        : Promise.resolve()
      const appStarting = app.start(port)
      bolt = 'starting'
      appStarting.then(
        () => {
          if (bolt === 'starting') bolt = 'started'
        },
        () => {
          bolt = 'failed'
        },
      )
      try {
        ;[started] = await Promise.all([appStarting, routesListening])
      } catch (error) {
        if (portRefused && receiver instanceof SocketModeReceiver) {
          // The socket Bolt goes on opening is closed now, and again once it has opened.
          bolt = 'failed'
          const client = receiver.client
          void client.disconnect()
          appStarting.then(() => client.disconnect()).catch(() => undefined)
          throw listenError(error, port)
        }
        if (stopRequested) throw stoppedWhileStarting()
        throw listenError(error, port)
      }
      // Stopped while the socket was being opened: the socket Bolt opened after all is closed too
      // (the port was closed by the stop).
      if (stopRequested) {
        if (receiver instanceof SocketModeReceiver) await receiver.client.disconnect()
        else await app.stop().catch(() => undefined)
        throw stoppedWhileStarting()
      }
      const server = socket ? routes : (started as Server)
      logger.info({ mode: socket ? 'socket' : 'http', port: server ? boundPort(server, port) : undefined }, 'Slack app started')
      return server
    },
    async stop() {
      stopRequested = true
      // Nothing to stop in Bolt when it was never started, or failed to start (its stop would then fail or log an error).
      if (bolt === 'starting' || bolt === 'started') await app.stop()
      if (inFlight.size === 0) return
      logger.info({ requests: inFlight.size }, 'waiting for the Slack requests in progress')
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, STOP_WAIT_MS)
        }),
      ])
      clearTimeout(timer)
    },
  }
}
