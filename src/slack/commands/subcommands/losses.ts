import { lossesBlocks } from '../../blocks/report-blocks.js'
import type { Subcommand } from '../subcommand.js'
import { filteredReportSubcommand } from './report-query.js'

/** `/pulse losses [field=value ...]`: lost deals by the stage they were lost at, with its chart. */
export const losses: Subcommand = filteredReportSubcommand({
  name: 'losses',
  summary: 'lost deals by the stage they were lost at',
  load: (run, query) => run.ctx.services.losses(run.ctx.store.db, query),
  blocks: lossesBlocks,
})
