import type { AnyMiddlewareArgs, Middleware, RespondFn } from '@slack/bolt'
import type { Logger } from '../../log/create-logger.js'
import { isFromOwnWorkspace, type OwnWorkspace, REFUSAL_OTHER_WORKSPACE, requestWorkspace } from '../access/request-workspace.js'

/**
 * Global middleware that checks, before any listener reads the store, that a request comes from
 * the app's own workspace (see {@link isFromOwnWorkspace}). A request signed with the app's secret
 * but made in another workspace (the app installed there by mistake) or by a Slack Connect user of
 * another organization is logged as a warning naming the workspaces and the user (never a token).
 * With `mode` `log` (`PULSE_SLACK_OTHER_WORKSPACES`, the default) it then goes on to the usual
 * access rules (the roster, by the email Slack gives for the person); with `refuse` it gets
 * {@link REFUSAL_OTHER_WORKSPACE} privately (a slash command in its ack, a click through its
 * response URL), an event nothing. `own` gives the workspace of the bot token (`auth.test`),
 * undefined until it is known (or when `auth.test` names none): `log` lets every request through
 * then, `refuse` none.
 */
export function guardWorkspace(own: () => OwnWorkspace | undefined, logger: Logger, mode: 'log' | 'refuse'): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const { body, next } = args
    const home = own()
    const from = requestWorkspace(body)
    if (home !== undefined ? isFromOwnWorkspace(home, from) : mode === 'log') {
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
      workspaceWarning(mode, from.teamId === undefined),
    )
    if (mode === 'log') {
      await next()
      return
    }
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

/**
 * The warning for a request not shown to come from the app's own workspace: from another one, or
 * naming no workspace at all (a payload without `team_id`, which Slack always sends). Pure.
 */
export function workspaceWarning(mode: 'log' | 'refuse', namesNone: boolean): string {
  const what = namesNone ? 'Slack request naming no workspace (no team_id)' : 'Slack request from another workspace'
  return mode === 'refuse'
    ? `${what} refused: Sales Pulse serves only the workspace its bot token belongs to (PULSE_SLACK_OTHER_WORKSPACES=refuse)`
    : `${what}${namesNone ? '' : " than the bot token's"}: served under the usual access rules (set PULSE_SLACK_OTHER_WORKSPACES=refuse to refuse such requests)`
}
