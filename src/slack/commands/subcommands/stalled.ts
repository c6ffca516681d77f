import { stalledBlocks } from '../../blocks/report-blocks.js'
import { matchReportArgFilters } from '../match-report-arg-filters.js'
import { parseReportArgs } from '../parse-report-args.js'
import type { Subcommand } from '../subcommand.js'
import { filterLabel, namedOwners, reportChartFile, reportQuery, withNotes } from './report-query.js'

const usage = 'stalled [field=value ...]'

/** `/pulse stalled [field=value ...]`: stalled high-value deals and the zombie pipeline, with a chart. */
export const stalled: Subcommand = {
  name: 'stalled',
  usage,
  summary: 'stalled high-value deals and the zombie pipeline',
  access: 'reports',
  parse(args) {
    const parsed = parseReportArgs(args, false, usage)
    return {
      ownerIds: namedOwners(parsed),
      run: async (run) => {
        const db = run.ctx.store.db
        const { args, notes } = await matchReportArgFilters(db, parsed, run.scope)
        const report = await run.ctx.services.stalled(db, { ...reportQuery(run, args), limit: 50 })
        const health = await run.ctx.services.dealHealth(
          db,
          report.stalled.slice(0, 10).map((d) => d.dealId),
          run.asOf,
        )
        const rendered = withNotes(stalledBlocks(report, `${run.scopeLabel}${filterLabel(args)}`, health), notes)
        return { ...rendered, chart: await reportChartFile(run, 'stalled', report) }
      },
    }
  },
}
