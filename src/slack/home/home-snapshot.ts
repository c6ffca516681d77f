import { noRangeReason } from '../../analytics/no-range-reason.js'
import { lateStageShareWords } from '../../analytics/report-text.js'
import type { StalledDeal, WinrateReport } from '../../analytics/report-types.js'
import { findDataVersion } from '../../db/find-data-version.js'
import { findOwnerIdsByEmail } from '../../db/find-owner-ids-by-email.js'
import { findHomeSnapshot, saveHomeSnapshot } from '../../db/slack-home.js'
import { writeUnlessBusy } from '../../db/write-unless-busy.js'
import { AppError } from '../../errors.js'
import { teamSignature } from '../access/team-signature.js'
import type { SlackContext } from '../app/slack-context.js'
import { hostChartImage } from './chart-images.js'

/** The latest complete month's win rate against its limits. */
export interface MonthVerdict {
  readonly month: string
  readonly winRate: number | null
  readonly center: number | null
  readonly lcl: number | null
  readonly ucl: number | null
  readonly anomaly: 'low' | 'high' | null
  readonly n: number
  /** Without limits: why ({@link noRangeReason}); absent in snapshots stored before it existed. */
  readonly noRange?: string
}

/** Precomputed figures behind a Home view, for the whole company or one manager's team. */
export interface HomeSnapshot {
  readonly scope: 'company' | 'team'
  readonly asOf: string
  readonly winrate: MonthVerdict | null
  /** Each total with the currencies of the deals it adds up (upper-case codes, null: not stated; absent in snapshots stored before it existed). */
  readonly pipeline: { readonly count: number; readonly amount: number; readonly currencies?: readonly (string | null)[] }
  readonly stalled: {
    readonly count: number
    readonly amount: number
    readonly top: readonly StalledDeal[]
    readonly currencies?: readonly (string | null)[]
  }
  readonly zombie: { readonly count: number; readonly amount: number; readonly currencies?: readonly (string | null)[] }
  /** Company only: share of losses (count, amount) at the last two open stages. */
  readonly lateStageLosses: {
    readonly share: number | null
    readonly amountShare: number | null
    readonly stages: readonly string[]
    /** The shares in words, over the lost deals whose stage is recorded (absent in snapshots stored before it existed). */
    readonly words?: string
  } | null
  readonly findings: readonly string[]
  /** Served chart URLs (absent without `PULSE_PUBLIC_URL`). */
  readonly charts: { readonly winrate?: string; readonly losses?: string; readonly stalled?: string }
  /** Each served chart's alt text: its finding and the values drawn (absent in snapshots stored before it existed). */
  readonly chartAlt?: { readonly winrate?: string; readonly losses?: string; readonly stalled?: string }
  /** A team snapshot's roster team (see {@link teamSignature}): a changed team is computed afresh. */
  readonly team?: string
  /** The store's data version the figures were computed from (`findDataVersion`): an import or sync since makes them old. */
  readonly dataVersion?: string
  /** The stalled and stale limits the figures were computed with: other limits set since make them old. */
  readonly rules?: HomeRules
}

/** The limits behind a snapshot's stalled and zombie figures (`PULSE_ALERT_AMOUNT`, `PULSE_IDLE_DAYS`, `PULSE_STALE_DAYS`). */
export interface HomeRules {
  readonly alertAmount: number
  readonly idleDays: number
  readonly staleDays: number
}

function rulesOf(ctx: SlackContext): HomeRules {
  const c = ctx.config
  return { alertAmount: c.alertAmount, idleDays: c.idleDays, staleDays: c.staleDays }
}

function sameRules(a: HomeRules | undefined, b: HomeRules): boolean {
  return a !== undefined && a.alertAmount === b.alertAmount && a.idleDays === b.idleDays && a.staleDays === b.staleDays
}

/** The snapshot key of a scope: `all`, or `team:<manager email>`. */
export function snapshotKey(managerEmail: string | null): string {
  return managerEmail === null ? 'all' : `team:${managerEmail}`
}

/** A manager's team as the roster lists it now (see {@link teamSignature}); undefined for the company. */
function teamOf(ctx: SlackContext, managerEmail: string | null): string | undefined {
  return managerEmail === null ? undefined : teamSignature(ctx.roster, managerEmail)
}

function verdictOf(report: WinrateReport): MonthVerdict | null {
  const m = [...report.months].reverse().find((x) => !x.partial)
  if (!m) return null
  const verdict = { month: m.month, winRate: m.winRate, center: m.center, lcl: m.lcl, ucl: m.ucl, anomaly: m.anomaly, n: m.n }
  return m.lcl === null || m.ucl === null ? { ...verdict, noRange: noRangeReason(report.months) } : verdict
}

/**
 * Computes and stores the Home snapshot of the company (`managerEmail` null) or of a manager's
 * team as of `asOf`: win rate verdict, pipeline, stalled deals, zombie pipeline, late-stage
 * losses (company), findings and chart images.
 */
export async function computeHomeSnapshot(ctx: SlackContext, managerEmail: string | null, asOf: string): Promise<HomeSnapshot> {
  const db = ctx.store.db
  const rules = rulesOf(ctx)
  // Read first: an import landing while the figures are computed leaves them marked as older.
  const dataVersion = await findDataVersion(db)
  let ownerIds: string[] | undefined
  if (managerEmail !== null) ownerIds = await findOwnerIdsByEmail(db, [managerEmail, ...(ctx.roster.managers.get(managerEmail) ?? [])])
  const base = {
    asOf,
    rules,
    ...(ownerIds ? { ownerIds } : {}),
  }
  const winrate = await ctx.services.winrate(db, base)
  const stalled = await ctx.services.stalled(db, { ...base, limit: 10 })
  const losses = managerEmail === null ? await ctx.services.losses(db, base) : null
  const charts: { winrate?: string; losses?: string; stalled?: string } = {}
  const chartAlt: { winrate?: string; losses?: string; stalled?: string } = {}
  let chartLeftOut = false
  if (ctx.publicUrl) {
    const host = async (kind: 'winrate' | 'losses' | 'stalled', input: Parameters<SlackContext['services']['renderChart']>[1]) => {
      // Too many charts waiting to be drawn (PULSE_CHART_QUEUE_MAX): the figures go out without this one.
      const chart = await ctx.services.renderChart(kind, input).catch((error: unknown) => {
        if (error instanceof AppError && error.code === 'busy') return null
        throw error
      })
      if (chart === null) {
        chartLeftOut = true
        return
      }
      const url = await hostChartImage(ctx, chart.png)
      if (url) {
        charts[kind] = url
        chartAlt[kind] = chart.altText
      }
    }
    await host('winrate', winrate)
    if (losses) await host('losses', losses)
    else if (stalled.stalled.length > 0) await host('stalled', stalled)
  }
  const findings = [...winrate.findings, ...(losses?.findings ?? []), ...stalled.findings]
  const snapshot: HomeSnapshot = {
    scope: managerEmail === null ? 'company' : 'team',
    asOf,
    winrate: verdictOf(winrate),
    pipeline: { count: stalled.openCount, amount: stalled.openAmount, currencies: stalled.openCurrencies ?? [] },
    stalled: {
      count: stalled.stalledCount,
      amount: stalled.stalledAmount,
      top: stalled.stalled.slice(0, 10),
      currencies: stalled.stalledCurrencies ?? [],
    },
    zombie: { count: stalled.stale.count, amount: stalled.stale.amount, currencies: stalled.staleCurrencies ?? [] },
    lateStageLosses: losses
      ? {
          share: losses.lateStageShare,
          amountShare: losses.lateStageAmountShare,
          stages: losses.lateStages,
          ...(losses.totalLost > 0 ? { words: lateStageShareWords(losses) } : {}),
        }
      : null,
    findings: findings
      .filter((f) => f.significant)
      .concat(findings.filter((f) => !f.significant))
      .slice(0, 4)
      .map((f) => f.text),
    charts,
    chartAlt,
    ...(managerEmail === null ? {} : { team: teamOf(ctx, managerEmail) }),
    dataVersion,
    rules,
  }
  // A cache: while another process writes to the store (an import) it is computed again next time,
  // and so is a snapshot missing a chart that was left out in a flood of charts.
  if (chartLeftOut) return snapshot
  const at = ctx.clock.now()
  await writeUnlessBusy(db, (d) => saveHomeSnapshot(d, { scopeKey: snapshotKey(managerEmail), asOf, payload: snapshot, at }))
  return snapshot
}

/**
 * Whether a stored snapshot's chart URLs are served at the app's public URL now: none without
 * `PULSE_PUBLIC_URL`, and with it, charts under `<PULSE_PUBLIC_URL>/charts/` (every snapshot hosts
 * at least the win-rate chart then).
 */
function chartsAtPublicUrl(snapshot: HomeSnapshot, publicUrl: string | undefined): boolean {
  const urls = Object.values(snapshot.charts ?? {}).filter((u): u is string => typeof u === 'string')
  if (!publicUrl) return urls.length === 0
  const base = `${publicUrl.replace(/\/+$/, '')}/charts/`
  return urls.length > 0 && urls.every((u) => u.startsWith(base))
}

/**
 * The stored snapshot for a scope as of `asOf`, computing (and storing) it when missing, older,
 * computed before the latest import or sync or with other stalled or stale limits, for a team the roster no longer lists, or with charts
 * for another `PULSE_PUBLIC_URL` (or none).
 */
export async function loadHomeSnapshot(ctx: SlackContext, managerEmail: string | null, asOf: string): Promise<HomeSnapshot> {
  const stored = await findHomeSnapshot(ctx.store.db, snapshotKey(managerEmail))
  const payload = stored?.payload as HomeSnapshot | undefined
  // A roster edit that changed the manager's team makes the stored figures someone else's; an
  // import or sync since makes them old (a CSV import runs no Home refresh of its own), and so do
  // other stalled or stale limits (set before a restart); a public
  // URL set, changed or removed since makes its charts missing, unreachable or unwanted.
  if (
    stored &&
    payload &&
    stored.asOf === asOf &&
    payload.team === teamOf(ctx, managerEmail) &&
    payload.dataVersion === (await findDataVersion(ctx.store.db)) &&
    sameRules(payload.rules, rulesOf(ctx)) &&
    chartsAtPublicUrl(payload, ctx.publicUrl)
  ) {
    return payload
  }
  return computeHomeSnapshot(ctx, managerEmail, asOf)
}
