import type { ReportQuery } from '../../../analytics/report-types.js'
import { scopeOwnerIds } from '../../access/authorize.js'
import type { ReportArgs } from '../parse-report-args.js'
import type { SubcommandRun } from '../subcommand.js'

/** The report query for a run: as-of date, filters, the configured rules, and the access scope. */
export function reportQuery(run: SubcommandRun, args: ReportArgs): ReportQuery {
  const ownerIds = scopeOwnerIds(run.scope)
  const c = run.ctx.config
  return {
    asOf: run.asOf,
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
