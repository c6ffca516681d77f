import { closedSinceLeftOut } from '../../analytics/closed-since-sentence.js'
import { currencyCode, currencyMoney } from '../../analytics/currency-money.js'
import { formatCount, formatMoneyIn } from '../../analytics/format-figures.js'
import { noActivityAdvice } from '../../analytics/no-activity-advice.js'
import { terminalWidth } from '../../analytics/terminal-width.js'
import { todayOf } from '../../config.js'
import { AppError } from '../../errors.js'
import { loadRoster } from '../../slack/access/load-roster.js'
import { type PlannedAlert, planStalledDealDms, type StallPlan } from '../../slack/alerts/plan-stalled-deal-dms.js'
import { createPulseServices } from '../../slack/app/create-pulse-services.js'
import { describeRefusals, groupRefusals } from '../../slack/outbox/describe-refusals.js'
import { type DrainResult, drainOutbox, outboxLeaseMs } from '../../slack/outbox/drain-outbox.js'
import { emit, noteFutureAsOf, resolveAsOf, usingStore } from '../cli-context.js'
import type { CliIo } from '../cli-options.js'
import { stderrNotes } from '../stderr-notes.js'
import type { AlertsOptions, registerAlertsCommand } from './alerts-command.js'

/**
 * The alerts as `--json` writes them: the contract's fields and `idleFrom`. Each deal's currency
 * serves the text only (the contract fixes the rows' fields).
 */
function alertsJson<A extends { currency?: unknown }>(alerts: readonly A[]): Array<Omit<A, 'currency'>> {
  return alerts.map(({ currency: _currency, ...rest }) => rest)
}

/** Runs `pulse alerts` with what Commander parsed: the work behind {@link registerAlertsCommand}. */
export async function runAlertsCommand(options: AlertsOptions, io: CliIo): Promise<void> {
  await usingStore(
    options,
    async (store, config) => {
      const asOf = resolveAsOf(options, config)
      const today = todayOf(config)
      // A DM counts days idle to "as of": a day that has not come would tell owners of idle spells that did not happen.
      if (!options.dryRun && asOf > today)
        throw new AppError(
          'bad_input',
          `--as-of ${asOf} is after today (${today}): the DMs would count days idle to a day that has not come. Leave --as-of out to send today's DMs, or add --dry-run to preview that day.`,
        )
      noteFutureAsOf(io, asOf, config)
      // Warnings (Slack unreachable, a send that failed) reach stderr as sentences, without stacks.
      const logger = stderrNotes(io)
      const services = createPulseServices({ store, config, logger })
      const clock = { now: () => new Date(), asOf: () => asOf }
      if (options.dryRun) {
        // The roster is not needed to list DMs, but a roster the real run would stop on is said now.
        loadRoster(config.rosterPath)
        const plan = await planStalledDealDms({ store, config, services, logger, clock }, { asOf, dryRun: true })
        emit(
          io,
          options,
          { asOf, alerts: alertsJson(plan.alerts), noActivityByAsOf: plan.noActivityByAsOf, closedSince: plan.closedSince },
          () => alertsText(plan.alerts, asOf, 'would be sent'),
        )
        if (!options.json) noActivityNote(io, plan, today)
        return
      }
      // Slack's client loads only when a message is to be sent, so the other commands start quicker.
      const { createSlackContext } = await import('../../slack/app/create-slack-app.js')
      const ctx = createSlackContext({ store, config, logger, roster: loadRoster(config.rosterPath), services, clock })
      const plan = await planStalledDealDms(ctx, { asOf })
      // A 429's pause can last many seconds: say so once per pause rather than sit silent.
      let quietUntil = 0
      // Owner emails Slack has no user for, with the deals whose DMs were skipped: named below, so they can be fixed.
      const notInSlack = new Map<string, { deals: string[]; digest: boolean }>()
      // DMs only: a win-rate alert waiting for its channel is the daily check's (pulse serve), not this command's.
      const delivery = await drainOutbox(ctx, {
        kinds: ['stall_dm', 'digest'],
        onRateLimited: (waitMs) => {
          if (Date.now() < quietUntil) return
          quietUntil = Date.now() + waitMs
          io.err(
            `Slack asked the app to slow down: waiting ${Math.ceil(waitMs / 1000)} s before sending more DMs (none is lost or sent twice).`,
          )
        },
        onNotInSlack: (email, dealId) => {
          const skipped = notInSlack.get(email) ?? { deals: [], digest: false }
          if (dealId === null) skipped.digest = true
          else skipped.deals.push(dealId)
          notInSlack.set(email, skipped)
        },
      })
      for (const [email, skipped] of notInSlack) io.err(notInSlackNote(email, skipped.deals, skipped.digest))
      // Each reason Slack refused DMs for good, with the deals and what to do.
      const refusals = describeRefusals(groupRefusals(delivery.refused))
      if (refusals.length > 0)
        io.err(['Slack refused these DMs for good, so they are not sent again:', ...refusals.map((l) => `  ${l}`)].join('\n'))
      // DMs claimed by another run (pulse serve, or a pulse alerts that stopped moments ago) are still owed too.
      const held = delivery.heldElsewhere
      const leaseSeconds = Math.ceil(outboxLeaseMs(store, config) / 1000)
      if (!options.json) noActivityNote(io, plan, today)
      emit(
        io,
        options,
        { asOf, alerts: alertsJson(plan.alerts), noActivityByAsOf: plan.noActivityByAsOf, closedSince: plan.closedSince, delivery },
        () =>
          [
            alertsText(plan.alerts, asOf, 'queued'),
            `Delivered ${delivery.sent} (${delivery.recovered} found already delivered), skipped ${delivery.skipped}${skippedWhy(delivery.skippedFor)}, failed ${delivery.failed}, left for the next run ${delivery.left}${held > 0 ? `, ${held} held by another run's claim for up to ${leaseSeconds} s` : ''}; ${delivery.rateLimited} rate-limit waits.`,
          ].join('\n'),
      )
      // A scheduler running `pulse alerts` learns from the exit code that DMs are still owed.
      // Slack no longer accepts the bot token: the DMs wait in the outbox, and the sentence says what to do.
      if (delivery.paused !== undefined) throw new AppError('slack_error', delivery.paused)
      if (delivery.failed > 0 || delivery.left > 0 || held > 0) {
        const next = [
          ...(delivery.left > 0 ? ['Run pulse alerts again once Slack answers: DMs left are sent then, once each.'] : []),
          ...(held > 0
            ? [
                `A DM another run claimed (pulse serve, or a pulse alerts that stopped within the last ${leaseSeconds} s) is left to it until its claim runs out, so that none is sent twice: run pulse alerts again after that, and those that did not arrive are sent then, once each.`,
              ]
            : []),
          ...(delivery.failed > 0
            ? ['Slack refused each failed DM for good (the reasons and what to do are above), so it is not sent again.']
            : []),
        ]
        throw new AppError(
          'slack_error',
          `Not every DM reached Slack (${delivery.failed} failed, ${delivery.left} left for the next run${held > 0 ? `, ${held} claimed by another run` : ''}); the reasons are above. ${next.join(' ')}`,
        )
      }
    },
    { existing: true, io, needsDeals: true },
  )
}

/**
 * Says on stderr which deals a past "as of" leaves out: those open then that have closed since, and
 * open deals whose only recorded activity is after it.
 */
function noActivityNote(io: CliIo, plan: StallPlan, today: string): void {
  const { count, amount } = plan.noActivityByAsOf
  const since = plan.closedSince
  if (since > 0)
    io.err(
      `${closedSinceLeftOut(since, plan.plannedCloses, ` open on ${plan.asOf}`)}: only deals still open now are listed.${count === 0 && plan.asOf < today ? ' Run it as of today for the deals stalled now.' : ''}`,
    )
  if (count === 0) return
  io.err(
    `${formatCount(count)} open ${count === 1 ? 'deal' : 'deals'}, worth ${currencyMoney(plan.noActivityByAsOfCurrencies).totalNamed(amount)}, had no recorded activity by ${plan.asOf} and ${count === 1 ? 'is' : 'are'} left out: ${count === 1 ? 'its' : 'their'} latest recorded activity is after that day, so whether ${count === 1 ? 'it was' : 'they were'} stalled then cannot be told.${noActivityAdvice(count, plan.asOf, today)}`,
  )
}

/**
 * The stderr sentence for an email Slack has no active user for: which stalled-deal DMs (at most
 * 5 deals named) or manager's digest were skipped, and what to fix.
 */
function notInSlackNote(email: string, dealIds: readonly string[], digest: boolean): string {
  const n = dealIds.length
  const named = [...dealIds].sort().slice(0, 5).join(', ') + (n > 5 ? ` and ${formatCount(n - 5)} more` : '')
  const what = [
    ...(n > 0 ? [`${n === 1 ? '1 stalled-deal DM' : `${formatCount(n)} stalled-deal DMs`} (${n === 1 ? 'deal' : 'deals'} ${named})`] : []),
    ...(digest ? ["a manager's digest"] : []),
  ].join(' and ')
  const fix = [
    ...(n > 0 ? ["that owner's email in the CRM (owner_email in a CSV)"] : []),
    ...(digest ? ['the email in the roster (PULSE_ROSTER)'] : []),
  ].join(' and ')
  const was = n + (digest ? 1 : 0) === 1 ? 'was' : 'were'
  return `Slack has no active user with the email ${email}, so ${what} ${was} not sent: check ${fix}, or add them to Slack. It is tried again on the next day's run.`
}

/**
 * Why the run's skipped messages were not sent, each reason with its count (none said when none
 * was skipped): ` (1 with no owner email, 2 whose stall ended before sending)`.
 */
function skippedWhy(skipped: DrainResult['skippedFor']): string {
  const { noEmail, notInSlack, stallEnded, digestReplaced } = skipped
  const reasons = [
    ...(noEmail > 0 ? [`${formatCount(noEmail)} with no owner email`] : []),
    ...(notInSlack > 0 ? [`${formatCount(notInSlack)} to an email Slack has no user for`] : []),
    ...(stallEnded > 0 ? [`${formatCount(stallEnded)} whose stall ended before sending`] : []),
    ...(digestReplaced > 0
      ? [`${formatCount(digestReplaced)} manager's ${digestReplaced === 1 ? 'digest' : 'digests'} out of date or for a changed team`]
      : []),
  ]
  return reasons.length === 0 ? '' : ` (${reasons.join(', ')})`
}

// A deal with no activity date on record: the date its idle days run from is said, not implied to be activity.
const STAND_IN: Record<PlannedAlert['idleFrom'], string> = {
  activity: '',
  update: '  (no activity recorded: since its last update)',
  stage: '  (no activity recorded: since it entered its stage)',
  created: '  (no activity recorded: since it was created)',
}

function alertsText(alerts: readonly PlannedAlert[], asOf: string, verb: string): string {
  if (alerts.length === 0) return `No new stalled-deal DMs as of ${asOf}.`
  // Columns as wide as their widest value on a terminal (a long or CJK stage name included).
  const idWidth = Math.max(12, ...alerts.map((a) => terminalWidth(a.dealId)))
  const stageWidth = Math.max(12, ...alerts.map((a) => terminalWidth(a.stage)))
  const idleWidth = Math.max(3, ...alerts.map((a) => formatCount(a.daysIdle).length))
  const padded = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - terminalWidth(text)))
  const rows = alerts.map(
    (a) =>
      `  ${padded(a.dealId, idWidth)} ${formatMoneyIn(a.amount, currencyCode(a.currency)).padStart(7)}  ${padded(a.stage, stageWidth)} idle ${formatCount(a.daysIdle).padStart(idleWidth)} d  ${a.ownerEmail ?? '(no owner email)'}${STAND_IN[a.idleFrom]}`,
  )
  // A deal whose owner has no email cannot be DMed: it is listed, but not counted as a DM.
  const dms = alerts.filter((a) => a.ownerEmail !== null).length
  const noEmail = alerts.length - dms
  const unsent =
    noEmail === 0
      ? ''
      : `; ${formatCount(noEmail)} more stalled ${noEmail === 1 ? 'deal has' : 'deals have'} no owner email (owner_email in the CSV, or the CRM owner's email), so nobody can be DMed about ${noEmail === 1 ? 'it' : 'them'}`
  return [`${formatCount(dms)} stalled-deal ${dms === 1 ? 'DM' : 'DMs'} ${verb} as of ${asOf}${unsent}:`, ...rows].join('\n')
}
