import type { Command } from 'commander'
import { type CliIo, type CommonOptions, withReportOptions } from '../cli-options.js'

/** The options of `pulse score` as Commander parses them. */
export interface ScoreOptions extends CommonOptions {
  limit?: string
}

/** Deals the text output of `pulse score` lists unless `--limit` says otherwise (`--json` lists all). */
export const DEFAULT_SCORE_LIMIT = 20

/** `pulse score`: score every open deal with the current model, store the scores, print the most at risk. */
export function registerScoreCommand(program: Command, io: CliIo): void {
  withReportOptions(
    program
      .command('score')
      .description('score open deals with the current model: win probability, health 0-100 and reasons')
      .option('--limit <n>', `deals listed, least healthy first (default ${DEFAULT_SCORE_LIMIT}, all with --json; 0 = all)`)
      .addHelpText('after', '\nExamples:\n  pulse score --db data/demo.db --as-of 2026-06-30 --limit 10\n  pulse score --json'),
  ).action(async (options: ScoreOptions) => (await import('./run-score-command.js')).runScoreCommand(options, io))
}
