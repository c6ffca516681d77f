import type { DataScope } from '../access/authorize.js'
import type { Viewer } from '../access/viewer.js'
import type { SlackClient, SlackContext } from '../app/slack-context.js'
import type { Block } from '../blocks/block-kit.js'

/** A chart to upload with an answer. */
export interface ChartFile {
  readonly png: Buffer
  readonly filename: string
  readonly title: string
  readonly altText: string
}

/** What a subcommand answers: findings as Block Kit, and usually a chart. */
export interface CommandAnswer {
  readonly text: string
  readonly blocks: Block[]
  readonly chart?: ChartFile
  /** False for answers that make no sense in a channel (help, errors). Default true. */
  readonly shareable?: boolean
}

/** What a subcommand runs with, after the access check granted `scope`. */
export interface SubcommandRun {
  readonly ctx: SlackContext
  readonly client: SlackClient
  readonly viewer: Viewer
  readonly scope: DataScope
  /** "the company", "your team", "your deals". */
  readonly scopeLabel: string
  readonly asOf: string
}

/** A subcommand's work once its arguments are parsed. */
export type SubcommandRunner = (run: SubcommandRun) => Promise<CommandAnswer>

/** A parsed subcommand: its runner, and the owners its arguments name (for the access check). */
export interface ParsedSubcommand {
  readonly run: SubcommandRunner
  /** Owner ids named by a `sales_rep_id=` filter: the access check refuses any outside the asker's scope. */
  readonly ownerIds?: readonly string[]
}

/**
 * One `/pulse` subcommand. `parse` validates the arguments synchronously (so a bad one gets
 * usage help in the immediate ack) and returns the runner; `access` names what the one access
 * check must grant before it runs.
 */
export interface Subcommand {
  readonly name: string
  readonly usage: string
  readonly summary: string
  /** `status`: as `reports`, and admins too (they see the whole store's counts, as after a sync). */
  readonly access: 'public' | 'reports' | 'admin' | 'status'
  /** @throws AppError `bad_input` with the usage when the arguments are wrong. */
  parse(args: readonly string[]): ParsedSubcommand
}

/**
 * The label of a scope in titles: "company", "your team", "your deals". An answer shared into a
 * channel is read by others, so there it names whose team or deals it covers (the sharer's email).
 */
export function scopeLabelOf(viewer: Viewer, shared = false): string {
  if (viewer.role === 'executive') return 'company'
  if (shared && viewer.email) return viewer.role === 'manager' ? `team of ${viewer.email}` : `deals of ${viewer.email}`
  if (viewer.role === 'manager') return 'your team'
  return 'your deals'
}
