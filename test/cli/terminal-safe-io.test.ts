import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date'
// A terminal obeys these instead of showing them: set the window title and ring the bell, clear the screen, turn text red.
const TITLE = '\x1b]0;pwned\x07'
const CLEAR = '\x1b[2J'
const RED = '\x1b[31m'

describe('what the CLI prints from the data', () => {
  it('shows control characters in names, stages and rejected rows as escapes, never sends them to the terminal', async () => {
    const db = join(tempDir(), 'p.db')
    const rows = [
      `D1,2024-01-02,,r1,SaaS,EMEA,Core,Inbound,Demo${TITLE},90000,Open,2024-05-01`,
      `D2,2024-01-02,,r1,SaaS${CLEAR},EMEA,Core,Inbound,Demo,-5${RED},Open,2024-05-01`,
    ]
    const csv = writeTempFile('controls.csv', `${[HEADER, ...rows].join('\r\n')}\r\n`)
    const runs = [
      await runCli('ingest', '--csv', csv, '--db', db),
      await runCli('rejected', '--db', db),
      await runCli('report', 'stalled', '--db', db, '--as-of', '2024-07-20'),
    ]
    for (const run of runs) {
      expect(run.stdout + run.stderr).not.toMatch(/[^\P{Cc}\t\n]/u)
    }
    expect(runs[1]?.stdout).toContain('-5\\u001b[31m')
    expect(runs[2]?.stdout).toContain('Demo\\u001b]0;pwned\\u0007')
    // JSON keeps the data as it is: the escape is JSON's own.
    const json = await runCli('rejected', '--db', db, '--json')
    expect(JSON.parse(json.stdout).rows[0].raw).toContain(`-5${RED}`)
  })
})
