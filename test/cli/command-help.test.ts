import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

/**
 * The options each command's --help must list (contract.md "Command line", and each command's own),
 * whatever module the command's work lives in: its options are declared where `pulse` starts, its
 * work loaded only when it runs.
 */
const HELP: ReadonlyArray<[command: string, options: readonly string[]]> = [
  ['ingest', ['--csv <file>', '--map <column=Header...>', '--db <path>', '--json']],
  ['sync', ['--source <crm>', '--full', '--db <path>', '--json']],
  ['sample', ['--out <file>', '--deals <n>', '--seed <seed>', '--as-of <date>', '--patterns <which>', '--json']],
  ['report', ['--where <field=value>', '--months <n>', '--limit <n>', '--png <file>', '--db <path>', '--as-of <date>', '--json']],
  ['report winrate', ['--months <n>', '--where <field=value...>', '--png <file>', '--db <path>', '--as-of <date>', '--json']],
  ['report losses', ['--where <field=value...>', '--png <file>', '--db <path>', '--as-of <date>', '--json']],
  ['report funnel', ['--where <field=value...>', '--png <file>', '--db <path>', '--as-of <date>', '--json']],
  ['report drivers', ['--where <field=value...>', '--png <file>', '--db <path>', '--as-of <date>', '--json']],
  ['report stalled', ['--limit <n>', '--where <field=value...>', '--png <file>', '--db <path>', '--as-of <date>', '--json']],
  ['report summary', ['--where <field=value...>', '--db <path>', '--as-of <date>', '--json']],
  ['train', ['--db <path>', '--as-of <date>', '--json']],
  ['score', ['--limit <n>', '--db <path>', '--as-of <date>', '--json']],
  ['deal', ['<id>', '--db <path>', '--as-of <date>', '--json']],
  ['alerts', ['--dry-run', '--db <path>', '--as-of <date>', '--json']],
  ['serve', ['--db <path>']],
  ['status', ['--db <path>', '--json']],
  ['rejected', ['[run]', '--limit <n>', '--db <path>', '--json']],
  ['demo', ['--db <path>', '--out <dir>', '--as-of <date>', '--seed <seed>', '--deals <n>', '--json']],
]

describe("each command's --help", () => {
  it.each(HELP)('pulse %s --help lists its options and an example, and exits 0', async (command, options) => {
    const run = await runCli(...command.split(' '), '--help')
    expect(run.code, run.stderr).toBe(0)
    // A report's usage reads `pulse report [options] winrate [options]`: its options go before or after its name.
    expect(run.stdout.split('\n')[0]).toMatch(new RegExp(`^Usage: pulse ${command.replace(' ', ' (\\[options\\] )?')} `))
    for (const option of options) expect(run.stdout, option).toContain(option)
    expect(run.stdout).toMatch(new RegExp(`Examples?:\\n {2}pulse ${command}[ \\n]`))
  })

  it('loads none of the database, chart, model, Slack or logging libraries to print a help or refuse an unknown command', () => {
    // A loader hook that lists every module the CLI imports, as `node bin/pulse.js` would run it (the source through tsx).
    const dir = tempDir()
    const hooks = join(dir, 'list-loads.mjs')
    writeFileSync(
      hooks,
      "export async function load(url, context, next) {\n  console.error('LOADED ' + url)\n  return next(url, context)\n}\n",
    )
    const register = join(dir, 'register.mjs')
    writeFileSync(register, `import { register } from 'node:module'\nregister(${JSON.stringify(pathToFileURL(hooks).href)})\n`)
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
    const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))
    const heavy =
      /node_modules\/(kysely|better-sqlite3|pg|zod|pino|ml-cart|vega|vega-lite|@resvg|opentype\.js|@slack|papaparse|yaml|node-cron)\//
    for (const args of [['--help'], ['report', 'winrate', '--help'], ['serve', '--help'], ['no-such-command']]) {
      const run = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, '--import', tsx, main, ...args], {
        encoding: 'utf8',
        cwd: dir,
      })
      const loaded = run.stderr.split('\n').filter((l) => l.startsWith('LOADED '))
      expect(
        loaded.some((l) => l.includes('/src/cli/main.ts')),
        run.stderr,
      ).toBe(true)
      expect(
        loaded.filter((l) => heavy.test(l)),
        args.join(' '),
      ).toEqual([])
      expect(run.status, run.stderr).toBe(args[0] === 'no-such-command' ? 1 : 0)
    }
  }, 60_000)
})
