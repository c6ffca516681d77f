import type { Command } from 'commander'
import { DEMO_AS_OF } from '../../demo/demo-as-of.js'
import { type CliIo, dbPathArgument, pathArgument, seedArgument } from '../cli-options.js'

/** The options of `pulse demo` as Commander parses them. */
export interface DemoCommandOptions {
  db: string
  out: string
  asOf?: string
  seed: string
  deals: string
  json?: boolean
}

/** `pulse demo`: sample data -> import -> train -> score -> every chart into ./out/ -> the CRO's summary. */
export function registerDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('run the whole pipeline on generated sample data, with no credentials')
    .option('--db <path>', 'database for the demo (kept apart from your own data)', dbPathArgument, './data/demo.db')
    .option('--out <dir>', 'folder for the charts, JSON and summary', pathArgument('--out needs the path of a folder.'), './out')
    .option('--as-of <date>', `the demo's "today", YYYY-MM-DD (default: PULSE_AS_OF, else ${DEMO_AS_OF})`)
    .option('--seed <seed>', 'sample seed (any number or word)', seedArgument, '1')
    .option('--deals <n>', 'number of sample deals (500 or more)', '6000')
    .option('--json', 'print the result files and findings as JSON')
    .addHelpText('after', '\nExample:\n  pulse demo --out ./out --deals 10000')
    .action(async (options: DemoCommandOptions) => (await import('./run-demo-command.js')).runDemoCommand(options, io))
}
