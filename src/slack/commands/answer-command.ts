import type { RespondFn } from '@slack/bolt'
import { hasAnyDeal } from '../../db/has-any-deal.js'
import { AppError } from '../../errors.js'
import type { Logger } from '../../log/create-logger.js'
import { type AccessRequest, authorize, NO_DEALS_YET } from '../access/authorize.js'
import { resolveViewer } from '../access/resolve-viewer.js'
import { slackErrorCode } from '../access/slack-user-directory.js'
import type { Viewer } from '../access/viewer.js'
import { afterShortRateLimit } from '../app/after-short-rate-limit.js'
import { openDm } from '../app/open-dm.js'
import type { SlackClient, SlackContext } from '../app/slack-context.js'
import { UPLOAD_MAX_RETRY_AFTER_S, uploadFile } from '../app/upload-file.js'
import { userFacingError } from '../app/user-facing-error.js'
import { type Block, buttons, context } from '../blocks/block-kit.js'
import { esc } from '../blocks/format.js'
import { CHANNEL_ACCESS_ERRORS } from '../outbox/drain-outbox.js'
import { type CommandAnswer, type ParsedSubcommand, type Subcommand, scopeLabelOf } from './subcommand.js'

/** Where an answer goes: privately to the asker (default) or shared into a channel. */
export type AnswerTarget = { readonly kind: 'private' } | { readonly kind: 'share'; readonly channelId: string }

/** One `/pulse` request after it was acked. */
export interface CommandRequest {
  readonly client: SlackClient
  readonly respond: RespondFn
  readonly userId: string
  /** The channel the command was typed in (empty when the request named none). */
  readonly channelId: string
  /** The command text as typed (`winrate 6 region=EMEA`). */
  readonly commandText: string
  readonly subcommand: Subcommand
  readonly parsed: ParsedSubcommand
  readonly target: AnswerTarget
  /**
   * Runs when the answer will not be delivered, before the asker is told why: a share gives
   * back its claim here, so a click right after the refusal (on any app instance) tries again.
   */
  readonly beforeRefusal?: () => Promise<void>
}

function accessRequest(subcommand: Subcommand, parsed: ParsedSubcommand, viewer: Viewer): AccessRequest | null {
  if (subcommand.access === 'public') return null
  if (subcommand.access === 'admin' || (subcommand.access === 'status' && viewer.admin)) return { kind: 'admin' }
  return parsed.ownerIds ? { kind: 'reports', ownerIds: parsed.ownerIds } : { kind: 'reports' }
}

/** The action id of the "Share in channel" button. */
export const SHARE_ACTION_ID = 'pulse_share_in_channel'

/**
 * Runs an acked subcommand for its asker: resolves who they are, asks the one access check,
 * runs the report, and delivers it. Private answers: the findings as an ephemeral message with
 * a "Share in channel" button, and the chart uploaded (`uploadFile`) into the asker's DM
 * with the app (when Slack refuses the chart, the findings still arrive, with a note why). Shared answers: findings and chart posted into the channel (a chart Slack refuses is noted under the findings likewise). Failures become
 * one sentence to the user; the details go to the log. Resolves true once the answer is
 * delivered, false when the asker was refused or told of a failure instead.
 */
export async function answerCommand(ctx: SlackContext, req: CommandRequest): Promise<boolean> {
  const started = performance.now()
  const log = ctx.logger.child({ command: req.subcommand.name, user: req.userId, target: req.target.kind })
  try {
    const viewer = await resolveViewer(ctx, req.client, req.userId)
    const access = accessRequest(req.subcommand, req.parsed, viewer)
    const decision = access ? authorize(viewer, access) : ({ allowed: true, scope: { kind: 'all' } } as const)
    if (!decision.allowed) {
      log.info({ role: viewer.role }, 'pulse command refused')
      // Before the first import, a manager or rep is told that (not sent to check the roster's emails).
      const nothingYet = viewer.role !== 'none' && access?.kind === 'reports' && !(await hasAnyDeal(ctx.store.db))
      await req.beforeRefusal?.()
      await tellAsker(req, log, { text: nothingYet ? NO_DEALS_YET : decision.message })
      return false
    }
    // An empty store answers every report with zeros: say what to do instead (after the access check, so only those allowed learn it).
    if (req.subcommand.access === 'reports' && !(await hasAnyDeal(ctx.store.db))) throw new AppError('no_data', NO_DEALS_YET)
    const answer = await req.parsed.run({
      ctx,
      client: req.client,
      viewer,
      scope: decision.scope,
      scopeLabel: scopeLabelOf(viewer, req.target.kind === 'share'),
      asOf: ctx.clock.asOf(),
    })
    if (req.target.kind === 'share') await shareAnswer(ctx, req, req.target.channelId, answer, log)
    else await deliverPrivately(ctx, req, answer, log)
    log.info({ ms: Math.round(performance.now() - started) }, 'pulse command answered')
    return true
  } catch (error) {
    if (error instanceof AppError && ['bad_input', 'not_found', 'not_allowed', 'no_data'].includes(error.code)) {
      log.info({ code: error.code }, 'pulse command declined')
    } else if (error instanceof AppError && error.code === 'bad_config') {
      // A setting the admin must fix (no CRM configured for /pulse sync): said, without a stack.
      log.warn({ code: error.code, reason: error.message }, 'pulse command refused: a setting is missing')
    } else if (error instanceof AppError && error.code === 'busy') {
      // Too many charts already wait to be drawn (PULSE_CHART_QUEUE_MAX): the asker comes back in a minute.
      log.warn({ code: error.code }, 'pulse command not answered: too many charts are waiting to be drawn')
    } else if (slackErrorCode(error) === 'ratelimited') {
      // Slack asked us to slow down (a lookup or a post): the asker is told to try again; nothing is broken.
      log.warn({ err: error }, 'pulse command not answered: Slack rate-limited a call')
    } else {
      log.error({ err: error }, 'pulse command failed')
    }
    await req.beforeRefusal?.()
    await tellAsker(req, log, { text: userFacingError(error) }).catch((e: unknown) => {
      log.warn({ err: e }, 'could not tell the user about the failure')
    })
    return false
  }
}

/**
 * Answers the asker privately through the request's response URL; when Slack refuses that
 * (it expires after 30 minutes and takes 5 posts) or there is none, as a DM from the app
 * (`dmInstead` when given; null: nothing more to send).
 * A command's answer replaces its "working on it" note; a share's answer (a refusal) comes as
 * a new message, so the private answer and its Share button stay to try again.
 */
async function tellAsker(
  req: CommandRequest,
  log: Logger,
  message: { text: string; blocks?: Block[] },
  dmInstead?: { text: string; blocks?: Block[] } | null,
): Promise<void> {
  try {
    if (typeof req.respond !== 'function') throw new Error('the request carried no response_url')
    await req.respond({ response_type: 'ephemeral', replace_original: req.target.kind === 'private', ...message })
  } catch (error) {
    log.warn({ err: error }, 'the response URL refused the answer; sending it as a DM')
    if (dmInstead === null) return
    const dmMessage = dmInstead ?? message
    const dm = await afterShortRateLimit(() => openDm(req.client, req.userId), UPLOAD_MAX_RETRY_AFTER_S)
    await afterShortRateLimit(
      () => req.client.chat.postMessage({ channel: dm, text: dmMessage.text, ...(dmMessage.blocks ? { blocks: dmMessage.blocks } : {}) }),
      UPLOAD_MAX_RETRY_AFTER_S,
    )
  }
}

async function deliverPrivately(ctx: SlackContext, req: CommandRequest, answer: CommandAnswer, log: Logger): Promise<void> {
  const extra = []
  let chartInDm = false
  if (answer.chart) {
    // The findings are the answer: a chart Slack will not take is noted under them, never in their place.
    try {
      const dm = await afterShortRateLimit(() => openDm(req.client, req.userId), UPLOAD_MAX_RETRY_AFTER_S)
      await uploadFile(ctx.uploadClient, {
        channelId: dm,
        data: answer.chart.png,
        filename: answer.chart.filename,
        title: answer.chart.title,
        altText: answer.chart.altText,
        blocks: answer.blocks,
      })
      chartInDm = true
      if (dm !== req.channelId) extra.push(context('The chart is in your DM with Sales Pulse.'))
    } catch (error) {
      log.error({ err: error }, 'chart could not be sent to the asker')
      // The chart was for the asker's DM with the app, which nobody can invite the app into.
      const why = CHANNEL_ACCESS_ERRORS.has(slackErrorCode(error) ?? '') ? DM_REFUSED : userFacingError(error)
      extra.push(context(`The chart could not be sent. ${why}`))
    }
  }
  // The button carries the command to run again; a command too long for a button's value
  // (2,000 characters) gets no button rather than one that could only fail. Nor does a command
  // typed in a direct message: the app cannot post in one between other people (nor be invited
  // there), and its own DM with the asker already holds the answer. Nor one naming no channel.
  const value = JSON.stringify({ t: req.commandText, c: req.channelId })
  const share =
    answer.shareable !== false && value.length <= MAX_BUTTON_VALUE && req.channelId !== '' && !req.channelId.startsWith('D')
      ? buttons([{ text: 'Share in channel', actionId: SHARE_ACTION_ID, value }])
      : null
  if (share) extra.push(share)
  // With the chart already in the DM (it carries the findings), a refused response URL must not
  // send the findings a second time: only the Share button follows, when there is one.
  const dmInstead = chartInDm ? (share ? { text: 'Share this answer in the channel you asked in:', blocks: [share] } : null) : undefined
  await tellAsker(req, log, { text: answer.text, blocks: [...answer.blocks, ...extra] }, dmInstead)
}

/** Why a chart is missing when Slack refuses it in the asker's DM with the app (`channel_not_found`, `not_in_channel`). */
export const DM_REFUSED =
  "Slack would not let Sales Pulse post in your direct messages with it: open Sales Pulse under Apps in Slack and try again, or ask your Slack admin to check that the app's Messages tab is on."

/** The longest value Slack takes for a button. */
const MAX_BUTTON_VALUE = 2000

async function shareAnswer(ctx: SlackContext, req: CommandRequest, channelId: string, answer: CommandAnswer, log: Logger): Promise<void> {
  const blocks = [...answer.blocks, context(`Shared by <@${req.userId}> from \`/pulse ${esc(req.commandText)}\``)]
  let note: Block | undefined
  if (answer.chart) {
    try {
      await uploadFile(ctx.uploadClient, {
        channelId,
        data: answer.chart.png,
        filename: answer.chart.filename,
        title: answer.chart.title,
        altText: answer.chart.altText,
        blocks,
      })
    } catch (error) {
      // A channel the app cannot post in (not invited, or Slack's settings keep it out) refuses the
      // findings too: the asker is told why, without a second try.
      const code = slackErrorCode(error) ?? ''
      if (CHANNEL_ACCESS_ERRORS.has(code) || code === 'restricted_action') throw error
      // As for a private answer, a chart Slack will not take leaves the findings, with a note why.
      log.error({ err: error }, 'chart could not be shared; sharing the findings without it')
      note = context(`The chart could not be attached. ${userFacingError(error)}`)
    }
  }
  if (!answer.chart || note) {
    await afterShortRateLimit(
      () => req.client.chat.postMessage({ channel: channelId, text: answer.text, blocks: note ? [...blocks, note] : blocks }),
      UPLOAD_MAX_RETRY_AFTER_S,
    )
  }
  // The answer is in the channel; an ephemeral "working on it" left behind is harmless.
  await req.respond({ delete_original: true }).catch(() => undefined)
}
