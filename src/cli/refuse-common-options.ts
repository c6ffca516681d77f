import { type Command, CommanderError, Option } from 'commander'

/** The program's options that a command may take too (not `--version` or `--help`). */
const COMMON: ReadonlySet<string> = new Set(['--db', '--as-of', '--json'])

/** The hidden options {@link refuseCommonOptions} adds: taken by no command, so none is handed one. */
export const REFUSED_OPTIONS: WeakSet<Option> = new WeakSet()

/**
 * Gives every command below `program` the program's own options (`--db`, `--as-of`, `--json`) that
 * it does not take, hidden, so one given after the command's name is refused with the sentence
 * {@link applyLeadingOptions} gives for one before it (`pulse ingest --as-of 2024-07-20`: "pulse
 * ingest does not take --as-of"), not commander's bare "unknown option". Needed because the program
 * parses positionally (its options before the command's name, each command its own after it), so
 * that a report's own options after its name reach it whole (`--where region=EMEA industry=SaaS`).
 * Call it once every command is registered.
 */
export function refuseCommonOptions(program: Command): void {
  const commonOptions = program.options.filter((o) => o.long !== undefined && COMMON.has(o.long))
  const visit = (cmd: Command, path: string): void => {
    for (const sub of cmd.commands) {
      const name = `${path} ${sub.name()}`
      for (const common of commonOptions) {
        if (sub.options.some((o) => o.long === common.long)) continue
        const refusal = new Option(common.flags).hideHelp()
        REFUSED_OPTIONS.add(refusal)
        sub.addOption(refusal)
        sub.on(`option:${refusal.name()}`, () => {
          sub.error(`error: ${name} does not take ${common.long} (run ${name} --help for its options).`, {
            code: 'commander.unknownOption',
          })
        })
      }
      // `pulse status --version` printed the version when the program read its options anywhere: it still does.
      const version = program.options.find((o) => o.long === '--version')
      if (version && !sub.options.some((o) => o.long === '--version')) {
        const again = new Option(version.flags).hideHelp()
        sub.addOption(again)
        sub.on(`option:${again.name()}`, () => {
          const text = program.version() ?? ''
          program.configureOutput().writeOut?.(`${text}\n`)
          throw new CommanderError(0, 'commander.version', text)
        })
      }
      visit(sub, name)
    }
  }
  visit(program, program.name())
}
