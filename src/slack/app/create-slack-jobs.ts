import { findUndeliveredOutbox } from '../../db/slack-outbox.js'
import { AppError } from '../../errors.js'
import { checkWinRateAnomaly } from '../alerts/check-winrate-anomaly.js'
import { notifyAdmins } from '../alerts/notify-admins.js'
import { planManagerDigests } from '../alerts/plan-manager-digests.js'
import { sendStalledDealDms } from '../alerts/send-stalled-deal-dms.js'
import { refreshHomeTabs } from '../home/refresh-home-tabs.js'
import { describeRefusals, groupRefusals } from '../outbox/describe-refusals.js'
import { ALERT_CHANNEL_REFUSALS, type DrainResult, drainOutbox } from '../outbox/drain-outbox.js'
import { pruneOutbox } from '../outbox/prune-outbox.js'
import { slackPauseReason } from './bot-token-refusal.js'
import type { SlackClient, SlackContext } from './slack-context.js'

/**
 * The Slack side of the scheduled jobs: plain functions the scheduler calls. While Slack no longer
 * accepts the bot token (see `slackPauseReason`: the app uninstalled, the token revoked), the
 * three scheduled ones call nothing, plan nothing and return `options.paused(reason)`.
 */
export interface SlackJobs {
  /**
   * After each sync (and scoring): recompute Home snapshots and republish opened Home tabs. Once
   * `signal` is aborted (shutdown) no further view is published.
   */
  refreshHome(signal?: AbortSignal): Promise<unknown>
  /**
   * Weekday mornings: one DM per stalled deal per stall episode and the managers' digests, then
   * deliver the outbox, then prune old settled outbox rows that can never be asked for again.
   * Once `signal` is aborted (shutdown) no new send starts; the rest stays pending. Throws (so
   * the scheduler tells the admins) when Slack refused a DM for good, which is not sent again.
   */
  stalledDealDms(signal?: AbortSignal): Promise<unknown>
  /**
   * Daily: post once to `PULSE_ALERT_CHANNEL` when the latest complete month is flagged low.
   * Throws (so the scheduler tells the admins) while the channel refuses the app, and when Slack
   * refused the alert for good (with its reason and what to do).
   */
  anomalyCheck(signal?: AbortSignal): Promise<unknown>
  /** Delivers whatever the outbox still holds (after a restart, for example). */
  drainOutbox(): Promise<void>
  /** DMs the roster's admins one line (a job that failed); resolves to how many admins got it. */
  notifyAdmins(text: string): Promise<number>
}

/** Optional hooks of {@link createSlackJobs}. */
export interface SlackJobsOptions {
  /** Called with what each of the jobs' outbox drains did (`pulse serve` feeds its outbox watch). */
  afterDrain?: (result: DrainResult) => void
  /**
   * What a scheduled job returns instead of running while Slack refuses the bot token, given the
   * reason (a sentence with the fix): `pulse serve` passes the scheduler's `pausedJob`, so the run
   * is recorded as skipped with it. Default: nothing.
   */
  paused?: (reason: string) => unknown
}

/**
 * Binds the Slack job bodies to a context and client (Bolt's `app.client` in `pulse serve`).
 * Each throws on failure so the scheduler can record it and alert the admins.
 */
export function createSlackJobs(ctx: SlackContext, client: SlackClient, options: SlackJobsOptions = {}): SlackJobs {
  const drained = (result: DrainResult) => options.afterDrain?.(result)
  // Planning while paused would pile up a digest a day, all sent at once when the token works again.
  const pausedReason = async () => {
    const reason = await slackPauseReason(ctx)
    return reason === null ? null : { value: options.paused?.(reason) }
  }
  return {
    async refreshHome(signal) {
      const paused = await pausedReason()
      if (paused) return paused.value
      await refreshHomeTabs(ctx, client, signal)
      return undefined
    },
    async stalledDealDms(signal) {
      const paused = await pausedReason()
      if (paused) return paused.value
      await planManagerDigests(ctx, ctx.clock.asOf())
      const { drain } = await sendStalledDealDms(ctx, { signal })
      drained(drain)
      await pruneOutbox(ctx)
      if (drain.failed > 0) {
        throw new AppError(
          'slack_error',
          `Slack refused ${drain.failed === 1 ? '1 DM' : `${drain.failed} DMs`} (stalled deals or managers' digests) for good, so ${drain.failed === 1 ? 'it is' : 'they are'} not sent again; the others went out. By Slack's reason: ${describeRefusals(groupRefusals(drain.refused)).join(' ')}`,
        )
      }
      return undefined
    },
    async anomalyCheck(signal) {
      const paused = await pausedReason()
      if (paused) return paused.value
      await checkWinRateAnomaly(ctx, ctx.clock.asOf())
      const drain = await drainOutbox(ctx, { kinds: ['anomaly'], signal })
      drained(drain)
      // Refused for good (Slack's answer would be the same next time): it is not posted, and the admins hear why.
      if (drain.failed > 0)
        throw new AppError(
          'slack_error',
          `Slack refused the win-rate alert for PULSE_ALERT_CHANNEL for good, so it is not posted. By Slack's reason: ${describeRefusals(groupRefusals(drain.refused)).join(' ')}`,
        )
      const blocked = (await findUndeliveredOutbox(ctx.store.db, ['anomaly'])).find((r) => ALERT_CHANNEL_REFUSALS.has(r.last_error ?? ''))
      if (blocked) {
        const fix =
          blocked.last_error === 'restricted_action'
            ? "Slack's settings of that channel do not let the app post there: let it post (the channel's posting settings, or ask your Slack admin), or set another channel"
            : 'Invite the app with /invite @Sales Pulse in that channel (or set another channel)'
        throw new AppError(
          'slack_error',
          `The win-rate alert could not be posted to PULSE_ALERT_CHANNEL (${blocked.channel_id}): ${blocked.last_error}. ${fix}; the alert goes out on the next daily check.`,
        )
      }
      return undefined
    },
    async drainOutbox() {
      drained(await drainOutbox(ctx))
    },
    async notifyAdmins(text: string) {
      return notifyAdmins(ctx, client, text)
    },
  }
}
