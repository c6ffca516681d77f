import { stalledBlocks } from '../../blocks/report-blocks.js'
import { parseReportArgs } from '../parse-report-args.js'
import type { Subcommand } from '../subcommand.js'
import { filterLabel, reportQuery } from './report-query.js'

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
      ownerIds: parsed.where.sales_rep_id ? [parsed.where.sales_rep_id] : undefined,
      run: async (run) => {
        const db = run.ctx.store.db
        const report = await run.ctx.services.stalled(db, { ...reportQuery(run, parsed), limit: 50 })
        const health = await run.ctx.services.dealHealth(
          db,
          report.stalled.slice(0, 10).map((d) => d.dealId),
          run.asOf,
        )
        const rendered = stalledBlocks(report, `${run.scopeLabel}${filterLabel(parsed)}`, health)
        const chart = await run.ctx.services.renderChart('stalled', report)
        return {
          ...rendered,
          chart: { png: chart.png, filename: `stalled-${report.asOf}.png`, title: chart.title, altText: chart.altText },
        }
      },
    }
  },
}
