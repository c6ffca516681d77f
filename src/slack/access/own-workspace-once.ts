import type { SlackClient, SlackContext } from '../app/slack-context.js'
import { type OwnWorkspace, workspaceOf } from './request-workspace.js'

/**
 * The app's workspace for checking whom an owner's email finds (`lookupSlackUserId`), asked for
 * lazily: `ctx.ownWorkspace.current` once `pulse serve` knows it, else `auth.test`, asked at most
 * once by the returned function, on its first call (`pulse alerts` asks only when a lookup has
 * found someone). When Slack does not say (an error, a token of no workspace) it stays unknown
 * (undefined) and nobody is skipped for their workspace; the failure is left to the sends that
 * follow, which meet it too and say what to do.
 */
export function ownWorkspaceOnce(
  ctx: Pick<SlackContext, 'ownWorkspace' | 'logger'>,
  client: SlackClient,
): () => Promise<OwnWorkspace | undefined> {
  let asked: Promise<OwnWorkspace | undefined> | undefined
  return () => {
    if (ctx.ownWorkspace.current) return Promise.resolve(ctx.ownWorkspace.current)
    asked ??= client.auth.test().then(
      (auth) => workspaceOf(auth),
      (error: unknown) => {
        ctx.logger.debug({ err: error }, "auth.test failed: owners' workspaces are not checked in this run")
        return undefined
      },
    )
    return asked
  }
}
