import type { webApi } from '@slack/bolt'
import type { Config } from '../../config.js'
import type { Store } from '../../db/open-store.js'
import type { Logger } from '../../log/create-logger.js'
import type { Roster } from '../access/load-roster.js'
import type { OwnWorkspace } from '../access/request-workspace.js'
import type { CommandRateLimit } from './command-rate-limit.js'
import type { PulseServices } from './pulse-services.js'

/** The Slack Web API client type (from @slack/web-api, re-exported by Bolt). */
export type SlackClient = webApi.WebClient

/** "Now" for the Slack side: the wall clock, and the report date (`PULSE_AS_OF` or today in `PULSE_TZ`). */
export interface Clock {
  now(): Date
  asOf(): string
}

/**
 * Everything a Slack listener or Slack job needs, built once by `createSlackApp` (or a test) and
 * passed to every `register(app, ctx)`.
 */
export interface SlackContext {
  readonly store: Store
  readonly config: Config
  readonly logger: Logger
  readonly roster: Roster
  readonly clock: Clock
  /** Reports, charts, model scores and sync: the layers below Slack. */
  readonly services: PulseServices
  /** Base URL the app is reachable at (`PULSE_PUBLIC_URL`), for chart images in Home views. */
  readonly publicUrl: string | undefined
  /** A Web API client that throws on 429 (for paced sends that handle Retry-After themselves). */
  readonly pacedClient: SlackClient
  /**
   * The Web API client for chart uploads and Home views someone is waiting on: it retries as the
   * app's client does, but throws on 429 instead of holding every call for the Retry-After
   * (`uploadFile` and `publishHome` wait out a short one themselves).
   */
  readonly uploadClient: SlackClient
  /**
   * The workspace the bot token belongs to, once `auth.test` has named it (`current`: undefined
   * before, and in contexts that take no requests); requests and people from any other are logged, and
   * refused with `PULSE_SLACK_OTHER_WORKSPACES=refuse`.
   */
  readonly ownWorkspace: { current: OwnWorkspace | undefined }
  /** The per-person limit on the reports `/pulse` and its Share button run (`PULSE_COMMANDS_PER_MINUTE`). */
  readonly commandLimit: CommandRateLimit
}
