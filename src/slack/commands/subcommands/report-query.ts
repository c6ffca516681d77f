import type { ReportQuery } from '../../../analytics/report-types.js'
import type { ChartKind } from '../../../charts/render-report-chart.js'
import { scopeOwnerIds } from '../../access/authorize.js'
import type { PulseServices } from '../../app/pulse-services.js'
import { context } from '../../blocks/block-kit.js'
import { esc } from '../../blocks/format.js'
import type { RenderedReport } from '../../blocks/report-blocks.js'
import { matchReportArgFilters } from '../match-report-arg-filters.js'
import { parseReportArgs, type ReportArgs } from '../parse-report-args.js'
import type { ChartFile, Subcommand, SubcommandRun } from '../subcommand.js'

/** The report query for a run: as-of date, filters, the configured rules, and the access scope. */
export function reportQuery(run: SubcommandRun, args: ReportArgs): ReportQuery {
  const ownerIds = scopeOwnerIds(run.scope)
  const c = run.ctx.config
  return {
    asOf: run.asOf,
    // Slack's reports are as of the app's today (`PULSE_AS_OF`, else today in `PULSE_TZ`): a close dated after it is planned.
    today: run.asOf,
    where: args.where,
    rules: { alertAmount: c.alertAmount, idleDays: c.idleDays, staleDays: c.staleDays },
    ...(ownerIds ? { ownerIds } : {}),
  }
}

/** " (region=EMEA)" for titles, or "". */
export function filterLabel(args: ReportArgs): string {
  const parts = Object.entries(args.where).map(([k, v]) => `${k}=${v}`)
  return parts.length > 0 ? ` (${parts.join(', ')})` : ''
}

/** The owners a report argument names (`sales_rep_id=rep_7`), for the access check; else undefined. */
export function namedOwners(args: ReportArgs): string[] | undefined {
  return args.where.sales_rep_id ? [args.where.sales_rep_id] : undefined
}

/** `rendered` with a context line per note (filter values no closed deal has) under its blocks. */
export function withNotes(rendered: RenderedReport, notes: readonly string[]): RenderedReport {
  return notes.length === 0 ? rendered : { ...rendered, blocks: [...rendered.blocks, ...notes.map((n) => context(esc(n)))] }
}

/** Renders a report's chart as the file an answer uploads (`<kind>-<asOf>.png`). */
export async function reportChartFile(
  run: SubcommandRun,
  kind: ChartKind & ('winrate' | 'losses' | 'funnel' | 'drivers' | 'stalled'),
  report: Parameters<PulseServices['renderChart']>[1] & { asOf: string },
): Promise<ChartFile> {
  const chart = await run.ctx.services.renderChart(kind, report)
  return { png: chart.png, filename: `${kind}-${report.asOf}.png`, title: chart.title, altText: chart.altText }
}

/**
 * A `/pulse <report> [field=value ...]` subcommand over one filtered report: loads it for the
 * asker's scope, renders its blocks and attaches its chart.
 */
export function filteredReportSubcommand<R extends Parameters<PulseServices['renderChart']>[1] & { asOf: string }>(spec: {
  name: 'losses' | 'funnel' | 'drivers'
  summary: string
  load: (run: SubcommandRun, query: ReportQuery) => Promise<R>
  blocks: (report: R, scopeLabel: string) => RenderedReport
}): Subcommand {
  const usage = `${spec.name} [field=value ...]`
  return {
    name: spec.name,
    usage,
    summary: spec.summary,
    access: 'reports',
    parse(args) {
      const parsed = parseReportArgs(args, false, usage)
      return {
        ownerIds: namedOwners(parsed),
        run: async (run) => {
          const { args, notes } = await matchReportArgFilters(run.ctx.store.db, parsed, run.scope)
          const report = await spec.load(run, reportQuery(run, args))
          const rendered = withNotes(spec.blocks(report, `${run.scopeLabel}${filterLabel(args)}`), notes)
          return { ...rendered, chart: await reportChartFile(run, spec.name, report) }
        },
      }
    },
  }
}
