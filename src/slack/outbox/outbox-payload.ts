import type { Block } from '../blocks/block-kit.js'

/** What an outbox row carries: the message, and for channel alerts the chart to attach. */
export interface OutboxPayload {
  readonly text: string
  readonly blocks: Block[]
  /** A chart uploaded into the message's thread (`uploadFile`) once the message is sent. */
  readonly chart?: { readonly kind: 'winrate'; readonly asOf: string; readonly title: string; readonly filename: string }
  /**
   * A manager's digest: the team it lists the deals of (`teamSignature`), so a digest still
   * waiting when the roster changed that team is not sent (absent in digests recorded before it existed).
   */
  readonly team?: string
  /**
   * A stalled-deal DM: the day ("as of") and figures it was written with. One delivered on a
   * later day, or after its deal's figures changed, is written again with the figures of the day
   * it goes out (absent in DMs recorded before it existed: written again whenever sent).
   */
  readonly stall?: { readonly asOf: string; readonly amount: number; readonly stage: string; readonly daysIdle: number }
}

/** The `metadata.event_type` our outbox messages carry, so recovery can recognise them. */
export const OUTBOX_EVENT_TYPE = 'sales_pulse_outbox'
