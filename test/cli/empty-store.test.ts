import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openStore } from '../../src/db/open-store.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

// The database named with --db is named in the advice too, so the import goes where the command looks.
const noDeals = (db: string) =>
  `There are no deals in this database yet. Import a CSV first: pulse ingest --csv FILE --db ${db} (or pulse sample to try it out).`

describe('commands about deals on a database that holds none yet', () => {
  it('say there are no deals and how to import them, for reports, train, score, deal and alerts alike', async () => {
    const db = join(tempDir(), 'pulse.db')
    // A database with its tables and no deal, as a first `pulse serve` leaves it.
    await (await openStore({ path: db })).close()
    for (const args of [
      ['report', 'winrate'],
      ['train'],
      ['score'],
      ['deal', 'D1'],
      ['train', '--json'],
      ['alerts', '--dry-run'],
      ['alerts', '--dry-run', '--json'],
      ['alerts'],
    ]) {
      const run = await runCli(...args, '--db', db)
      expect(run, args.join(' ')).toMatchObject({ code: 1, stdout: '' })
      expect(run.stderr, args.join(' ')).toContain(noDeals(db))
    }
  })
})
