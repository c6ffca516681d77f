import { currencyCode, currencyMoney } from '../../analytics/currency-money.js'
import type { DealCard } from '../app/pulse-services.js'
import { type Block, context, divider, fields, header, image, LIMITS, listSection, section } from '../blocks/block-kit.js'
import { count, countOf, dealAmount, dealCount, esc, escName, moneyIn, monthLabel, pct, pctApart } from '../blocks/format.js'
import type { HomeSnapshot } from './home-snapshot.js'

/** A Home tab view (`views.publish`). */
export interface HomeView {
  readonly type: 'home'
  readonly blocks: Block[]
}

/** What a Home view shows, by role. */
export type HomeContent =
  | { readonly kind: 'company'; readonly snapshot: HomeSnapshot }
  | { readonly kind: 'team'; readonly snapshot: HomeSnapshot }
  | {
      readonly kind: 'own'
      /** The least healthy open deals, at most the number shown. */
      readonly deals: readonly DealCard[]
      /** True when the owner has more open deals than `deals` holds. */
      readonly more?: boolean
      /** How many open deals the owner has in all, when `more`. */
      readonly total?: number
      readonly asOf: string
    }
  | { readonly kind: 'refused'; readonly message: string }

function verdictLine(s: HomeSnapshot): string {
  const w = s.winrate
  if (!w) return 'No complete month with closed deals yet.'
  if (w.winRate === null || w.n === 0) return `No deals closed in ${monthLabel(w.month)}, so there is no win rate to judge.`
  // Without limits there is nothing to judge the month against: it is not "within normal variation".
  if (w.lcl === null || w.ucl === null) {
    return `*${pct(w.winRate)}* in ${monthLabel(w.month)}, ${count(w.n)} closed (${esc(w.noRange ?? 'too little history to judge against a normal range')})`
  }
  const flag =
    w.anomaly === 'low'
      ? ' :small_red_triangle_down: *below normal*'
      : w.anomaly === 'high'
        ? ' :small_red_triangle: *above normal*'
        : w.lcl <= 0 && w.ucl >= 1
          ? ' (too few to judge: any rate would be within its limits)'
          : ' (within normal variation)'
  // A flagged rate keeps the decimals that tell it from the limit it crossed.
  const [rate, low] = w.anomaly === 'low' ? pctApart(w.winRate, w.lcl) : [pct(w.winRate), pct(w.lcl)]
  const [rateHigh, high] = w.anomaly === 'high' ? pctApart(w.winRate, w.ucl) : [rate, pct(w.ucl)]
  return `*${rateHigh}* in ${monthLabel(w.month)}, normal range ${low}-${high}, ${count(w.n)} closed${flag}`
}

// A total in the currency of the deals it adds up, or marked as mixed, naming them (a snapshot stored without them: dollars).
function total(figure: { readonly amount: number; readonly currencies?: readonly (string | null)[] }): string {
  return esc(currencyMoney(figure.currencies ?? []).totalNamed(figure.amount))
}

function lateStageLine(s: HomeSnapshot): string {
  const l = s.lateStageLosses
  if (l?.words) return esc(l.words)
  if (!l || l.share === null) return 'No lost deals yet'
  return `${pct(l.share)} of losses, ${pct(l.amountShare)} of lost amount`
}

function stalledLines(s: HomeSnapshot): Block[] {
  if (s.stalled.top.length === 0) return [section('No stalled deals. :tada:')]
  const lines = s.stalled.top.map(
    (d) =>
      `• *${escName(d.dealName ?? d.dealId)}* ${moneyIn(d.amount, currencyCode(d.currency))}, ${escName(d.stage)}, idle ${countOf(d.daysIdle, 'day')}${d.ownerEmail ? `, ${escName(d.ownerEmail)}` : ''}`,
  )
  return [listSection(lines, 'stalled deals', Math.max(s.stalled.count, lines.length))]
}

function findingsBlock(s: HomeSnapshot): Block[] {
  return s.findings.length > 0
    ? [
        listSection(
          s.findings.map((f) => `• ${esc(f)}`),
          'findings',
        ),
      ]
    : []
}

/**
 * Builds the Home view of what a viewer may see (pure): executives get company KPIs (win rate against its
 * limits, pipeline, late-stage losses, zombie pipeline) and the key charts; managers their team's
 * pipeline, stalled deals and win rate; owners their open deals by health with reasons; anyone
 * else a polite note with no data. Never more than Slack's 100 blocks.
 */
export function buildHomeView(content: HomeContent): HomeView {
  const blocks: Block[] = []
  if (content.kind === 'refused') {
    blocks.push(header('Sales Pulse'), section(content.message))
  } else if (content.kind === 'company') {
    const s = content.snapshot
    blocks.push(header('Sales Pulse: company'), section(verdictLine(s)))
    blocks.push(
      fields([
        `*Open pipeline*\n${dealCount(s.pipeline.count)}, ${total(s.pipeline)}`,
        `*Stalled*\n${dealCount(s.stalled.count)}, ${total(s.stalled)}`,
        `*Late-stage losses*\n${lateStageLine(s)}`,
        `*Zombie pipeline*\n${dealCount(s.zombie.count)}, ${total(s.zombie)}`,
      ]),
    )
    blocks.push(...findingsBlock(s))
    if (s.charts.winrate) blocks.push(image(s.charts.winrate, s.chartAlt?.winrate ?? 'Monthly win rate with its normal range', 'Win rate'))
    if (s.charts.losses) blocks.push(image(s.charts.losses, s.chartAlt?.losses ?? 'Lost deals by stage', 'Losses by stage'))
    blocks.push(divider(), section('*Largest stalled deals*'), ...stalledLines(s))
    blocks.push(context(`As of ${s.asOf}. \`/pulse help\` for every report.`))
  } else if (content.kind === 'team') {
    const s = content.snapshot
    blocks.push(header('Sales Pulse: your team'), section(`Team win rate: ${verdictLine(s)}`))
    blocks.push(
      fields([
        `*Team pipeline*\n${countOf(s.pipeline.count, 'open deal')}, ${total(s.pipeline)}`,
        `*Stalled*\n${dealCount(s.stalled.count)}, ${total(s.stalled)}`,
      ]),
    )
    if (s.charts.winrate) blocks.push(image(s.charts.winrate, s.chartAlt?.winrate ?? "Your team's monthly win rate", 'Team win rate'))
    blocks.push(divider(), section('*Stalled deals on your team*'), ...stalledLines(s))
    if (s.charts.stalled) blocks.push(image(s.charts.stalled, s.chartAlt?.stalled ?? "Your team's stalled deals", 'Stalled deals'))
    blocks.push(...findingsBlock(s), context(`As of ${s.asOf}. A digest of stalled deals arrives by DM each weekday.`))
  } else {
    blocks.push(header('Sales Pulse: your deals'))
    const n = content.deals.length
    // Scored deals come least healthy first; unscored ones (all of them before the model's first run) largest first.
    const scored = content.deals.some((d) => d.health !== null)
    const order = scored ? 'least healthy' : 'largest'
    if (n === 0) blocks.push(section('You have no open deals right now.'))
    else if (content.more)
      blocks.push(section(`The ${n} ${order} of your ${content.total ? `${count(content.total)} ` : ''}open deals, ${order} first.`))
    else blocks.push(section(n === 1 ? 'Your open deal.' : `Your ${n} open deals, ${order} first.`))
    for (const d of content.deals) {
      const h = d.health
      blocks.push(
        section(
          `*${escName(d.dealName ?? d.dealId)}* ${dealAmount({ amount: d.amount, amountMissing: d.amountMissing })}, ${escName(d.stage)}, idle ${countOf(d.daysIdle ?? 0, 'day')} · health ${h ? `*${h.healthScore}/100*` : 'not scored yet'}`,
        ),
      )
      if (h && h.reasons.length > 0) blocks.push(context(h.reasons.slice(0, 3).map(esc).join(' · ')))
    }
    blocks.push(context(`As of ${content.asOf}. Health 0-100: lower needs attention sooner.`))
  }
  return { type: 'home', blocks: fitBlocks(blocks, LIMITS.homeBlocks) }
}

/** At most `max` blocks: the overflow is replaced by one "and more" note. */
export function fitBlocks(blocks: Block[], max: number): Block[] {
  if (blocks.length <= max) return blocks
  return [...blocks.slice(0, max - 1), context(`And ${blocks.length - max + 1} more items: ask \`/pulse stalled\` for the full list.`)]
}
