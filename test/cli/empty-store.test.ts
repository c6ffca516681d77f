import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore } from '../../src/db/open-store.js'
import { type HubspotFake, startHubspotFake } from '../fakes/hubspot-fake.js'
import { spawnPulse } from '../helpers/pulse-process.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

// The database named with --db is named in the advice too, so the import goes where the command looks.
const noDeals = (db: string) =>
  `There are no deals in this database yet. Import a CSV first: pulse ingest --csv FILE --db ${db} (or pulse sample to try it out).`

let fake: HubspotFake | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

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

  it('name a missing database path with a space quoted in the import they suggest, so it runs as pasted', async () => {
    const db = join(tempDir(), 'my deals', 'pulse.db')
    const run = await runCli('report', 'winrate', '--db', db)
    expect(run).toMatchObject({ code: 1, stdout: '' })
    expect(run.stderr).toContain(`Import deals first (pulse ingest --csv FILE --db '${db}')`)
  })

  it('pulse status suggests the import and the sync into the database it was given', async () => {
    const db = join(tempDir(), 'my deals', 'pulse.db')
    await (await openStore({ path: db })).close()
    const run = await runCli('status', '--db', db)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain(`Last import: none yet (run \`pulse ingest --csv FILE --db '${db}'\`).`)
    expect(run.stdout).toContain(`Last syncs: none yet (run \`pulse sync --db '${db}'\`).`)
  })

  it('after a CRM sync that found no deal, say so and point at the CRM, not at a CSV import', async () => {
    fake = await startHubspotFake({ deals: [] })
    const db = join(tempDir(), 'pulse.db')
    const env = { HUBSPOT_TOKEN: fake.token, HUBSPOT_API_URL: fake.url, SALESFORCE_URL: '', SLACK_APP_TOKEN: '' }
    const sync = spawnPulse(['sync', '--db', db], env)
    expect(await sync.exited).toBe(0)
    const run = await runCli('report', 'winrate', '--db', db)
    expect(run).toMatchObject({ code: 1, stdout: '' })
    expect(run.stderr).toMatch(
      /There are no deals in this database yet: the last sync from HubSpot \(\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\) found none it could store\. Check that the HubSpot account holds deals the app can read \(and HUBSPOT_PIPELINE, if set\), then run pulse sync --db \S+ again\./,
    )
    expect(run.stderr).not.toContain('Import a CSV')
  })
})
