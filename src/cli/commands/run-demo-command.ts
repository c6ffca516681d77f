import { existsSync, statSync } from 'node:fs'
import { DEMO_AS_OF } from '../../demo/demo-as-of.js'
import { resetDemoStore } from '../../demo/reset-demo-store.js'
import { runDemo } from '../../demo/run-demo.js'
import { AppError } from '../../errors.js'
import { cliConfig, resolveAsOf, usingStore } from '../cli-context.js'
import type { CliIo } from '../cli-options.js'
import { parseWholeNumber } from '../parse-whole-number.js'
import { shellArg } from '../shell-arg.js'
import type { DemoCommandOptions, registerDemoCommand } from './demo-command.js'

/** Runs `pulse demo` with what Commander parsed: the work behind {@link registerDemoCommand}. */
export async function runDemoCommand(options: DemoCommandOptions, io: CliIo): Promise<void> {
  const config = cliConfig()
  const deals = parseWholeNumber(options.deals, '--deals', { min: 500, max: 50_000_000, example: '--deals 6000' })
  // Checked before the demo database is created.
  const asOf = resolveAsOf({ asOf: options.asOf }, { ...config, asOf: config.asOf ?? DEMO_AS_OF })
  if (existsSync(options.out) && !statSync(options.out).isDirectory()) {
    throw new AppError('bad_input', `--out ${options.out} is a file, not a folder; give a folder for the charts and JSON.`)
  }
  // A fresh demo database each run: its figures are those of the sample it writes now.
  resetDemoStore(options.db)
  const started = performance.now()
  const result = await usingStore(
    options,
    (store) =>
      runDemo(store, {
        outDir: options.out,
        asOf,
        seed: options.seed,
        deals,
        config,
        progress: (line) => io.err(line),
      }),
    // The demo keeps to its own SQLite file, PULSE_DATABASE_URL or not: never sample deals in your database.
    { io, sqliteOnly: true },
  )
  io.err(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s. Files are in ${options.out}/.`)
  if (options.json) {
    io.out(JSON.stringify({ files: result.files, findings: result.summary.sentences, model: result.model.verdict }, null, 2))
  } else {
    io.out(result.text)
    io.out(`\n${exploreLine(options.db, result.summary.asOf, config.databaseUrl !== undefined)}`)
  }
}

/**
 * The command the demo suggests for exploring its database `db`. With `PULSE_DATABASE_URL` set,
 * every other command reads PostgreSQL and ignores `--db`, so the line clears the variable for
 * that one command (an empty value counts as unset, and the environment wins over `.env`).
 * @example exploreLine('./data/demo.db', '2026-06-30', false) // 'Explore: npx pulse report winrate --db ./data/demo.db --as-of 2026-06-30'
 */
function exploreLine(db: string, asOf: string, databaseUrlSet: boolean): string {
  const command = `npx pulse report winrate --db ${shellArg(db)} --as-of ${asOf}`
  if (!databaseUrlSet) return `Explore: ${command}`
  return `Explore (PULSE_DATABASE_URL is set, so clear it for each command that should read the demo's SQLite file): PULSE_DATABASE_URL= ${command}`
}
