import type { AnyMiddlewareArgs, Middleware, RespondFn } from '@slack/bolt'
import type { Logger } from '../../log/create-logger.js'
import { isFromOwnWorkspace, type OwnWorkspace, REFUSAL_OTHER_WORKSPACE, requestWorkspace } from '../access/request-workspace.js'

/**
 * Global middleware that lets through only requests from the app's own workspace (see
 * {@link isFromOwnWorkspace}), before any listener reads the store: a request signed with the
 * app's secret but made in another workspace (the app installed there by mistake) or by a Slack
 * Connect user of another organization gets {@link REFUSAL_OTHER_WORKSPACE} privately (a slash
 * command in its ack, a click through its response URL), an event nothing; each is logged as a
 * warning naming the workspaces and the user (never a token). `own` gives the workspace of the
 * bot token (`auth.test`), undefined until it is known: every request is refused meanwhile.
 */
export function guardWorkspace(own: () => OwnWorkspace | undefined, logger: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const { body, next } = args
    const home = own()
    const from = requestWorkspace(body)
    if (home !== undefined && isFromOwnWorkspace(home, from)) {
      await next()
      return
    }
    const b = body as { type?: unknown; command?: unknown; event?: { type?: unknown } }
    const kind = typeof b.command === 'string' ? 'command' : b.type === 'event_callback' ? `event ${String(b.event?.type)}` : String(b.type)
    logger.warn(
      {
        kind: kind.slice(0, 60),
        team: from.teamId,
        enterprise: from.enterpriseId,
        userTeam: from.userTeamId,
        user: 'context' in args ? args.context.userId : undefined,
        ownTeam: home?.teamId,
      },
      'Slack request from another workspace refused: Sales Pulse serves only the workspace its bot token belongs to',
    )
    if ('ack' in args && typeof args.ack === 'function') {
      const ack = args.ack as (answer?: unknown) => Promise<void>
      if (typeof b.command === 'string') {
        await ack({ response_type: 'ephemeral', text: REFUSAL_OTHER_WORKSPACE })
        return
      }
      await ack()
    }
    const respond = 'respond' in args ? (args.respond as RespondFn | undefined) : undefined
    if (typeof respond === 'function' && typeof b.command !== 'string') {
      await respond({ response_type: 'ephemeral', replace_original: false, text: REFUSAL_OTHER_WORKSPACE }).catch((error: unknown) =>
        logger.warn({ err: error }, 'could not answer a request from another workspace'),
      )
    }
  }
}
