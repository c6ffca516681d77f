import type { Store } from '../../db/open-store.js'
import { countOutboxByStatus } from '../../db/slack-outbox.js'
import type { Logger } from '../../log/create-logger.js'
import { describeRefusals, groupRefusals } from './describe-refusals.js'
import type { DrainOptions, DrainResult } from './drain-outbox.js'

/** What {@link startOutboxWatch} needs. */
export interface OutboxWatchOptions {
  store: Store
  logger: Logger
  /** One full drain of the outbox (`drainOutbox(ctx, options)`); the watch passes its abort signal. */
  drain: (options: DrainOptions) => Promise<DrainResult>
  /** The claim lease (`outboxLeaseMs`): how long a message claimed by a dead instance stays untouchable. */
  leaseMs: number
}

/** A running watch; see {@link startOutboxWatch}. */
export interface OutboxWatch {
  /** Drains now (the start-up drain), unless a watch drain is already running; then re-drains as {@link afterDrain} says. */
  drain(): Promise<void>
  /** Tells the watch what a drain elsewhere in this process did (the scheduled jobs' drains). */
  afterDrain(result: DrainResult): void
  /** Stops the timers, asks a running watch drain to stop starting sends, and waits for it. */
  stop(): Promise<void>
}

/** Slack after a lease has run out before a re-drain starts, so the lease is over on every clock. */
const MARGIN_MS = 500

/**
 * Makes one instance finish what another instance, dead mid-run, left in the outbox, without
 * waiting for a scheduled tick (several instances on PostgreSQL; on SQLite, one instance, the
 * lease is 0 and only the start-up drain runs):
 * - after a drain that left messages another instance had claimed (`heldElsewhere`), one
 *   re-drain once their lease has run out (it checks Slack before sending a message again);
 * - once per lease, a look at the number of undelivered messages: when it is unchanged since the
 *   previous look, nobody is delivering them (a live sender settles a message at least every few
 *   seconds, and no claim lasts longer than the lease), so this instance drains. A drain
 *   of its own that moved nothing is not repeated until that number changes, so messages Slack
 *   keeps refusing wait for the next tick as before.
 * Timers are unref'd and stopped by {@link OutboxWatch.stop}. Drains are atomic per message, so
 * a watch drain racing another instance's drain sends nothing twice.
 */
export function startOutboxWatch(options: OutboxWatchOptions): OutboxWatch {
  const { store, leaseMs } = options
  const log = options.logger.child({ job: 'outbox-watch' })
  const abort = new AbortController()
  let running: Promise<void> | null = null
  let redrain: NodeJS.Timeout | undefined
  let lastCount: number | null = null
  let quietCount: number | null = null

  const undelivered = async () => {
    const c = await countOutboxByStatus(store.db)
    return c.pending + c.sending
  }

  const run = (reason: string): Promise<void> => {
    if (running || abort.signal.aborted) return running ?? Promise.resolve()
    running = (async () => {
      try {
        if (reason !== 'start') log.info({ reason }, 'draining the outbox')
        const result = await options.drain({ signal: abort.signal })
        // No person ran this drain and no admin hears of it: the log says why Slack refused, and what to do.
        if (result.refused.length > 0)
          log.warn({ refused: describeRefusals(groupRefusals(result.refused)) }, 'Slack refused messages for good; they are not sent again')
        afterDrain(result)
        const moved = result.sent + result.recovered + result.skipped + result.failed
        quietCount = moved === 0 && leaseMs > 0 ? await undelivered() : null
      } catch (error) {
        log.error({ err: error }, 'outbox drain failed; the next tick retries')
      } finally {
        running = null
      }
    })()
    return running
  }

  const afterDrain = (result: DrainResult) => {
    if (result.heldElsewhere === 0 || leaseMs <= 0 || redrain || abort.signal.aborted) return
    redrain = setTimeout(() => {
      redrain = undefined
      void run('claims held by another instance have run out')
    }, leaseMs + MARGIN_MS)
    redrain.unref()
  }

  const look = async () => {
    const count = await undelivered()
    const stuck = count > 0 && count === lastCount && count !== quietCount
    lastCount = count
    if (stuck) await run('undelivered messages made no progress for a lease')
  }
  const poll =
    leaseMs > 0
      ? setInterval(() => void look().catch((error: unknown) => log.warn({ err: error }, 'outbox look failed')), leaseMs)
      : undefined
  poll?.unref()

  return {
    drain: () => run('start'),
    afterDrain,
    async stop() {
      abort.abort()
      if (poll) clearInterval(poll)
      if (redrain) clearTimeout(redrain)
      await running
    },
  }
}
