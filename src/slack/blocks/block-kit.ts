import type { types } from '@slack/bolt'
import { formatCount } from '../../analytics/format-figures.js'
import { sliceWhole } from '../../domain/slice-whole.js'

/** A Block Kit block (Slack's own type). */
export type Block = types.KnownBlock

/** Slack's limits that our messages and views must respect. */
export const LIMITS = { homeBlocks: 100, messageBlocks: 50, sectionText: 3000, buttonValue: 2000 } as const

/** A header block (plain text on one line, at most 150 characters). */
export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: clip(text.replace(/\s+/g, ' ').trim() || '-', 150), emoji: true } }
}

/**
 * mrkdwn text as our messages send it: `verbatim`, so Slack reads only the markup we write
 * (`*bold*`, `<@U123>`) and parses nothing in the names it quotes from the CRM: left to
 * itself, Slack turns a plain `https://...`, `#channel` or certain `@` mentions in a deal name
 * into a link or a mention (Block Kit's text object, `verbatim: false` by default).
 */
function mrkdwn(text: string): { type: 'mrkdwn'; text: string; verbatim: true } {
  return { type: 'mrkdwn', text, verbatim: true }
}

/** A section of mrkdwn text (clipped to Slack's 3,000 characters). */
export function section(text: string): Block {
  return { type: 'section', text: mrkdwn(clip(text, LIMITS.sectionText)) }
}

/**
 * A section listing one item per line (escaped mrkdwn), within Slack's 3,000 characters: whole
 * lines only, then "…and N more <noun>" for the items that did not fit and those of `total` not
 * passed in (default: just the lines given). A first line too long alone is cut.
 */
export function listSection(lines: readonly string[], noun: string, total = lines.length): Block {
  const note = (n: number) => `\n…and ${formatCount(n)} more ${noun}`
  const shown = fitLines(lines, LIMITS.sectionText - note(total).length)
  const more = total - shown.length
  return section(`${shown.join('\n')}${more > 0 ? note(more) : ''}`)
}

/** The first of `lines` that fit in `room` characters once joined by newlines; a first line too long alone is cut. */
export function fitLines(lines: readonly string[], room: number = LIMITS.sectionText): string[] {
  const shown: string[] = []
  let used = 0
  for (const line of lines) {
    const add = line.length + (shown.length > 0 ? 1 : 0)
    if (used + add > room) break
    shown.push(line)
    used += add
  }
  if (shown.length === 0 && lines[0] !== undefined) shown.push(clip(lines[0], room))
  return shown
}

/** A section with up to 10 two-column fields. */
export function fields(items: readonly string[]): Block {
  return { type: 'section', fields: items.slice(0, 10).map((t) => mrkdwn(clip(t, 2000))) }
}

/** A context line (small grey text). */
export function context(text: string): Block {
  return { type: 'context', elements: [mrkdwn(clip(text, 3000))] }
}

/** A divider. */
export function divider(): Block {
  return { type: 'divider' }
}

/** An image block from a public URL. */
export function image(url: string, altText: string, title?: string): Block {
  return {
    type: 'image',
    image_url: url,
    alt_text: clip(altText, 2000),
    ...(title ? { title: { type: 'plain_text' as const, text: clip(title, 2000) } } : {}),
  }
}

/** A button: an action (`actionId` + `value`) or a link (`url`). */
export interface ButtonSpec {
  readonly text: string
  readonly actionId: string
  readonly value?: string
  readonly url?: string
  readonly style?: 'primary' | 'danger'
}

/** An actions block of buttons. */
export function buttons(specs: readonly ButtonSpec[], blockId?: string): Block {
  return {
    type: 'actions',
    ...(blockId ? { block_id: blockId } : {}),
    elements: specs.map((b) => ({
      type: 'button' as const,
      action_id: b.actionId,
      text: { type: 'plain_text' as const, text: clip(b.text, 75), emoji: true },
      ...(b.value !== undefined ? { value: clip(b.value, LIMITS.buttonValue) } : {}),
      ...(b.url !== undefined ? { url: b.url } : {}),
      ...(b.style ? { style: b.style } : {}),
    })),
  }
}

/**
 * `text` cut to `max` characters (UTF-16 code units, as Slack counts them) with an ellipsis. The cut
 * never splits an emoji's surrogate pair (a lone half makes the JSON Slack receives unreadable) nor
 * an escaped `&amp;`, `&lt;` or `&gt;` (which would show as `&am…`).
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text
  return `${sliceWhole(text, max - 1).replace(/&[a-z]{0,3}$/, '')}…`
}
