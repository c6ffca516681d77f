import type { Command } from 'commander'
import { REFUSED_OPTIONS } from './refuse-common-options.js'

/**
 * Hands the options given before a command's name to the command that runs, as if given to it:
 * the program's common ones (`pulse --db deals.db status`) and those of a command with
 * subcommands (`pulse report --json winrate`, `pulse report --png out.png winrate`,
 * `pulse report --where region=EMEA losses`). A value the command itself read wins, then the one
 * of the nearest command above it; a repeatable option (`--where`) keeps the values given before
 * the name as well as those after it. Such an option the command does not take
 * (`pulse --as-of 2024-07-20 ingest`, `pulse report --months 6 losses`) is refused, naming the
 * command. Install it as the program's `preAction` hook. Options are read positionally (the
 * program's before the command's name, each command's own after it): a value given both before
 * and after the name is the one after it (the last one given), and each is checked (an empty
 * `--db`, an empty `--png`) as the command's own would be.
 */
export function applyLeadingOptions(actionCommand: Command): void {
  for (let cmd = actionCommand.parent; cmd; cmd = cmd.parent) {
    for (const option of cmd.options) {
      const key = option.attributeName()
      if (cmd.getOptionValueSource(key) !== 'cli') continue
      const target = actionCommand.options.find((o) => o.long === option.long && !REFUSED_OPTIONS.has(o))
      if (!target) {
        const name = commandPath(actionCommand)
        actionCommand.error(`error: ${name} does not take ${option.long} (run ${name} --help for its options).`, {
          code: 'commander.unknownOption',
        })
        return
      }
      const targetKey = target.attributeName()
      const value: unknown = cmd.getOptionValue(key)
      const held: unknown = actionCommand.getOptionValue(targetKey)
      const given = actionCommand.getOptionValueSource(targetKey) === 'cli'
      if (Array.isArray(value) && Array.isArray(held)) {
        actionCommand.setOptionValueWithSource(targetKey, given ? [...value, ...held] : value, 'cli')
      } else if (!given) {
        actionCommand.setOptionValueWithSource(targetKey, value, 'cli')
      }
    }
  }
}

/** `pulse report winrate`: the words that name `cmd`. */
function commandPath(cmd: Command): string {
  const names: string[] = []
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name())
  return names.join(' ')
}
