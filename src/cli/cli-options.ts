import { type Command, InvalidArgumentError } from 'commander'

/** Options every command takes (contract: "Command line"). */
export interface CommonOptions {
  db?: string
  asOf?: string
  json?: boolean
}

/** Where a command writes: stdout for results, stderr for progress and logs. */
export interface CliIo {
  out: (text: string) => void
  err: (text: string) => void
  /** True when stderr is a terminal (progress bars are drawn only then). */
  errIsTty: boolean
}

/** The process's streams as {@link CliIo}. */
export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  errIsTty: Boolean(process.stderr.isTTY),
}

/** Adds `--db PATH` to a command. */
export function withDbOption(cmd: Command): Command {
  return cmd.option('--db <path>', 'SQLite database file (default: PULSE_DB, else ./data/pulse.db)', dbPathArgument)
}

/**
 * Commander's parser of a `--db` value: an empty one (`--db "$DB"` with `DB` unset) is refused,
 * since SQLite would open a throw-away database there and an import into it would vanish.
 */
export const dbPathArgument = pathArgument('--db needs the path of a database file; leave --db out to use the default.')

/**
 * A Commander parser of a path option that refuses an empty value (`--png "$OUT"` with `OUT`
 * unset) with `message`, instead of skipping the file or failing later on a path of nothing; and
 * `-`, which by custom means standard input or output, where no command reads or writes files
 * (a file named `-` would be written, or not found, instead).
 */
export function pathArgument(message: string): (value: string) => string {
  const nonEmpty = nonEmptyArgument(message)
  return (value) => {
    if (value.trim() === '-')
      throw new InvalidArgumentError(`"-" (standard input or output) is not supported here. ${message} (./- names a file called "-").`)
    return nonEmpty(value)
  }
}

/**
 * A Commander parser of an option whose value must say something (`--seed "$SEED"` with `SEED`
 * unset): an empty or blank value is refused with `message` rather than used as given.
 */
export function nonEmptyArgument(message: string): (value: string) => string {
  return (value) => {
    if (value.trim() === '') throw new InvalidArgumentError(message)
    return value
  }
}

/** `--seed` of `pulse sample` and `pulse demo`: any number or word, not nothing (default `1`). */
export const seedArgument = nonEmptyArgument(
  '--seed needs a number or a word (the same seed writes the same files); leave it out for seed 1.',
)

/** Adds `--as-of YYYY-MM-DD` and `--json` to a reporting command. */
export function withReportOptions(cmd: Command): Command {
  return withDbOption(cmd)
    .option('--as-of <date>', 'report as of this date, YYYY-MM-DD (default: PULSE_AS_OF, else today)')
    .option('--json', 'print machine-readable JSON on stdout and nothing else')
}
