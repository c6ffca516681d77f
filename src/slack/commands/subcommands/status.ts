import { AppError } from '../../../errors.js'
import { statusBlocks } from '../../blocks/report-blocks.js'
import type { Subcommand } from '../subcommand.js'

/**
 * `/pulse status`: the last sync or import and the model with its quality; the company's deal
 * counts only for those who see every deal (executives and admins); each job's last run and
 * unresolved failure only for admins (who get the failure alerts and can act on them).
 */
export const status: Subcommand = {
  name: 'status',
  usage: 'status',
  summary: 'last sync, rows loaded, and the model with its quality',
  access: 'status',
  parse(args) {
    if (args.length > 0) throw new AppError('bad_input', 'status takes no arguments. Usage: /pulse status')
    return {
      run: async (run) => ({
        ...statusBlocks(await run.ctx.services.status(run.ctx.store.db), {
          companyCounts: run.scope.kind === 'all',
          jobRuns: run.viewer.admin,
        }),
        shareable: true,
      }),
    }
  },
}
