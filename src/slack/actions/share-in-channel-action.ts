import { createHash, randomUUID } from 'node:crypto'
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt'
import { claimShare, releaseShareClaim } from '../../db/slack-share-claims.js'
import { writeUnlessBusy } from '../../db/write-unless-busy.js'
import { slowDownMessage } from '../app/command-rate-limit.js'
import type { SlackContext } from '../app/slack-context.js'
import { answerCommand } from '../commands/answer-command.js'
import type { ParsedSubcommand, Subcommand } from '../commands/subcommand.js'
import { parseCommandText, SUBCOMMANDS } from '../commands/subcommand-map.js'
import { answerClick } from './answer-click.js'
import { EXPIRED_BUTTON } from './unknown-action.js'

/** How long a shared answer's button is remembered (a response URL's life: 30 minutes). */
export const SHARED_MEMORY_MS = 30 * 60_000

/**
 * "Share in channel" under a private answer: runs the same command again for the person who
 * clicked (through the same access check) and posts it, chart included, into the channel
 * the command came from. A second click on the same answer's button (a double click, or a
 * click before the first share has replaced the answer) while it is being shared, or after it
 * was, posts nothing more, whichever app instance each click reaches (the claim is a row in the
 * store, `claimShare`); after a share that failed (the app not in the channel), it tries again.
 * While another process holds a SQLite store for writing (a large import), the claim is this
 * process's alone, which is enough there: one `pulse serve` runs on a SQLite store.
 */
export function shareInChannelListener(ctx: SlackContext, nowMs: () => number = Date.now) {
  // The answers being or already shared, by who clicked, which private message and its button.
  const shared = new Map<string, number>()
  return async function shareInChannelAction({
    ack,
    body,
    action,
    client,
    respond,
  }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> {
    await ack()
    // The button carries the command it shares; one that no longer parses (an older version's,
    // or a tampered one) is answered like an expired button.
    let request: { shared: { t: string; c: string }; subcommand: Subcommand; parsed: ParsedSubcommand }
    try {
      const shared = JSON.parse((action as ButtonAction).value ?? '') as { t?: unknown; c?: unknown }
      if (typeof shared.t !== 'string' || typeof shared.c !== 'string' || !/^[CGDZ][A-Z0-9]+$/.test(shared.c))
        throw new Error('bad share value')
      const { name, args } = parseCommandText(shared.t)
      const subcommand = SUBCOMMANDS.get(name)
      if (!subcommand || subcommand.access === 'public') throw new Error('bad share value')
      request = { shared: { t: shared.t, c: shared.c }, subcommand, parsed: subcommand.parse(args) }
    } catch {
      await answerClick(ctx.logger, client, body, respond, { replace: false, text: EXPIRED_BUTTON })
      return
    }
    const key = `${body.user.id}:${body.container?.message_ts ?? body.response_url}:${(action as ButtonAction).value}`
    const now = nowMs()
    for (const [k, at] of shared) if (now - at >= SHARED_MEMORY_MS) shared.delete(k)
    const ignore = () => ctx.logger.info({ user: body.user.id }, 'second click on Share in channel for the same answer ignored')
    if (shared.has(key)) return ignore()
    // A share runs the report again: it counts against the asker's limit as a command does.
    const turn = ctx.commandLimit.take(body.user.id, body.trigger_id || key)
    if (!turn.allowed) {
      ctx.logger.info({ user: body.user.id, retryAfterSeconds: turn.retryAfterS }, 'share not run: over the per-person limit')
      const text = slowDownMessage(turn.retryAfterS, ctx.config.commandsPerMinute)
      await answerClick(ctx.logger, client, body, respond, { replace: false, text })
      return
    }
    shared.set(key, now)
    // Two instances behind one request URL may each get one of the clicks: the store decides.
    const shareKey = createHash('sha256').update(key).digest('hex')
    const holder = randomUUID()
    let claimed = true
    try {
      await writeUnlessBusy(ctx.store.db, async (db) => {
        claimed = await claimShare(db, { shareKey, holder, now: new Date(now), ttlMs: SHARED_MEMORY_MS })
      })
    } catch (error) {
      // The store out of reach: this process's memory still keeps a double click to one share.
      ctx.logger.warn({ err: error }, 'could not record the share in the database')
    }
    if (!claimed) {
      shared.delete(key)
      return ignore()
    }
    // A share that fails gives its claim back before the asker hears why, so their next click,
    // on whichever instance, tries again.
    const giveBack = async () => {
      shared.delete(key)
      await releaseShareClaim(ctx.store.db, shareKey, holder).catch((error: unknown) =>
        ctx.logger.warn({ err: error }, 'could not give back the claim of a share that failed'),
      )
    }
    await answerCommand(ctx, {
      client,
      respond,
      userId: body.user.id,
      channelId: request.shared.c,
      commandText: request.shared.t,
      subcommand: request.subcommand,
      parsed: request.parsed,
      target: { kind: 'share', channelId: request.shared.c },
      beforeRefusal: giveBack,
    })
  }
}
