import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command, CommanderError } from 'commander'
import { AppError, isDatabaseDamaged, isDatabaseNotAllowed, userMessage } from '../errors.js'
import { applyLeadingOptions } from './apply-leading-options.js'
import { type CliIo, processIo, withReportOptions } from './cli-options.js'
import { registerAlertsCommand } from './commands/alerts-command.js'
import { registerDealCommand } from './commands/deal-command.js'
import { registerDemoCommand } from './commands/demo-command.js'
import { registerIngestCommand } from './commands/ingest-command.js'
import { registerRejectedCommand } from './commands/rejected-command.js'
import { registerReportCommand } from './commands/report-command.js'
import { registerSampleCommand } from './commands/sample-command.js'
import { registerScoreCommand } from './commands/score-command.js'
import { registerServeCommand } from './commands/serve-command.js'
import { registerStatusCommand } from './commands/status-command.js'
import { registerSyncCommand } from './commands/sync-command.js'
import { registerTrainCommand } from './commands/train-command.js'
import { isEntryScript } from './is-entry-script.js'
import { quietBrokenPipe } from './quiet-broken-pipe.js'
import { refuseCommonOptions } from './refuse-common-options.js'
import { terminalSafeIo } from './terminal-safe-io.js'

/**
 * Builds the `pulse` program with every command registered. Each command module adds itself;
 * `io` lets tests capture what a command prints.
 */
export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command('pulse')
    .description('Sales Pulse: why your win rate moves, and which deals need a human now.')
    .version(packageVersion(), '-V, --version', 'print the version of Sales Pulse')
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
  // --db, --as-of and --json go before the command's name too (`pulse --db deals.db status`), for the commands that
  // take them. Options are read positionally: the program's before the command's name (handed on by
  // applyLeadingOptions), each command's own after it, so a report's `--where a=1 b=2` reaches it whole.
  withReportOptions(program)
    .hook('preAction', (_program, actionCommand) => applyLeadingOptions(actionCommand))
    .addHelpText(
      'after',
      '\n--db, --as-of and --json go before or after the command: each command that takes them says so in its --help.\n\nExamples:\n  pulse demo                      # sample data, every report and chart, no credentials\n  pulse ingest --csv deals.csv\n  pulse report winrate --json\n  pulse --db deals.db status\n  pulse report --help             # each command shows its options and an example',
    )
  registerIngestCommand(program, io)
  registerReportCommand(program, io)
  registerSampleCommand(program, io)
  registerTrainCommand(program, io)
  registerScoreCommand(program, io)
  registerDealCommand(program, io)
  registerAlertsCommand(program, io)
  registerServeCommand(program, io)
  registerSyncCommand(program, io)
  registerStatusCommand(program, io)
  registerRejectedCommand(program, io)
  registerDemoCommand(program, io)
  refuseCommonOptions(program)
  return program
}

/** The version in the package's `package.json` (found above this module, in `src/` or `dist/src/`). */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json')
    if (!existsSync(file)) continue
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string }
    if (pkg.name === 'sales-pulse' && pkg.version) return pkg.version
  }
  return 'unknown'
}

/**
 * Runs the CLI on `argv` (as `process.argv`). Expected failures print one sentence on
 * stderr and set exit code 1; unexpected ones also print the stack when `PULSE_DEBUG` is set.
 * Everything written goes through {@link terminalSafeIo}: no control character from the data reaches the terminal.
 */
export async function main(argv: string[], rawIo: CliIo = processIo): Promise<number> {
  const io = terminalSafeIo(rawIo)
  const program = buildProgram(io)
  try {
    await program.parseAsync(argv)
    return (process.exitCode as number | undefined) ?? 0
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode
      return error.exitCode
    }
    // Loaded here, not at start: the logger (pino) and the settings' schema would slow every command's start.
    const [{ redactText }, { debugRequested }] = await Promise.all([import('../log/create-logger.js'), import('../config.js')])
    // Messages may quote what a CRM or database answered, or what the user typed: secrets in them are hidden.
    io.err(
      redactText(
        error instanceof AppError || isDatabaseNotAllowed(error) || isDatabaseDamaged(error)
          ? userMessage(error)
          : `${userMessage(error)} (${(error as Error).message})`,
      ),
    )
    if (debugRequested() && error instanceof Error) io.err(redactText(error.stack ?? ''))
    process.exitCode = 1
    return 1
  }
}

/**
 * Runs `pulse` as a process: `argv` is `process.argv` of `bin/pulse.js` (or of
 * `node dist/src/cli/main.js`); a reader that stops early ends it quietly ({@link quietBrokenPipe});
 * the process exits with the code {@link main} returns.
 */
export async function runAsPulse(argv: string[]): Promise<void> {
  quietBrokenPipe()
  process.exitCode = await main(argv)
}

// `node dist/src/cli/main.js ARGS` is `pulse ARGS`, instead of loading every command and exiting 0 having done nothing.
if (isEntryScript(import.meta.url, process.argv[1])) void runAsPulse(process.argv)
