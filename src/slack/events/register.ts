import type { App } from '@slack/bolt'
import type { SlackContext } from '../app/slack-context.js'
import { appUninstalledListener } from './app-uninstalled.js'
import { tokensRevokedListener } from './tokens-revoked.js'

/** Registers the workspace lifecycle events: `app_uninstalled` and `tokens_revoked`. */
export function register(app: App, ctx: SlackContext): void {
  app.event('app_uninstalled', appUninstalledListener(ctx))
  app.event('tokens_revoked', tokensRevokedListener(ctx))
}
