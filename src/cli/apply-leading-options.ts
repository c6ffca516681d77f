import type { Command } from 'commander'

/** The options a user may give before a command's name as well as after it (contract: "Command line"). */
const LEADING_OPTIONS = [
  { key: 'db', flag: '--db' },
  { key: 'asOf', flag: '--as-of' },
  { key: 'json', flag: '--json' },
] as const

/**
 * Hands the common options that a command with subcommands read (`pulse --db deals.db status`,
 * `pulse report --json winrate`) to the command that runs, as if given to it: a value the command
 * itself read wins, then the one of the nearest command above it. Such an option the command does
 * not take (`pulse --as-of 2024-07-20 ingest`) is refused, naming the command. Install it as the
 * program's `preAction` hook. The program reads these options wherever they stand in the command
 * line (commander's default), so the last one given wins and each is checked (an empty `--db`)
 * as the command's own would be.
 */
export function applyLeadingOptions(actionCommand: Command): void {
  const ancestors: Command[] = []
  for (let cmd = actionCommand.parent; cmd; cmd = cmd.parent) ancestors.unshift(cmd)
  const ownKeys = new Set(LEADING_OPTIONS.filter(({ key }) => actionCommand.getOptionValueSource(key) === 'cli').map(({ key }) => key))
  for (const cmd of ancestors) {
    for (const { key, flag } of LEADING_OPTIONS) {
      if (cmd.getOptionValueSource(key) !== 'cli' || ownKeys.has(key)) continue
      if (!actionCommand.options.some((o) => o.long === flag)) {
        const name = commandPath(actionCommand)
        actionCommand.error(`error: ${name} does not take ${flag} (run ${name} --help for its options).`, {
          code: 'commander.unknownOption',
        })
      }
      actionCommand.setOptionValueWithSource(key, cmd.getOptionValue(key), 'cli')
    }
  }
}

/** `pulse report winrate`: the words that name `cmd`. */
function commandPath(cmd: Command): string {
  const names: string[] = []
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name())
  return names.join(' ')
}
