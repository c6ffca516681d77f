import type { Command } from 'commander'
import { type CliIo, type CommonOptions, withReportOptions } from '../cli-options.js'

/** `pulse deal ID`: one deal's health score and reasons. */
export function registerDealCommand(program: Command, io: CliIo): void {
  withReportOptions(
    program
      .command('deal')
      .argument('<id>', 'the deal id (as in the CRM or the CSV deal_id)')
      .description("one deal's win probability, health score 0-100 and the reasons behind them")
      .addHelpText('after', '\nExample:\n  pulse deal D000647 --db data/demo.db --as-of 2026-06-30   # a deal of npm run demo'),
  ).action(async (id: string, options: CommonOptions) => (await import('./run-deal-command.js')).runDealCommand(id, options, io))
}
