import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openStore } from '../../src/db/open-store.js'
import { readStoreFileOrigins } from '../../src/db/read-store-file-origins.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

describe('readStoreFileOrigins', () => {
  it('names the files imported into a store and counts no syncs', async () => {
    const db = join(tempDir(), 'p.db')
    const csv = writeTempFile(
      'mine.csv',
      'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome\nM1,2024-01-02,,r1,SaaS,EMEA,Core,Inbound,Demo,100,Open\n',
    )
    expect((await runCli('ingest', '--csv', csv, '--db', db)).code).toBe(0)
    const origins = readStoreFileOrigins(db)
    expect(origins.importedFiles.map((f) => f?.endsWith('mine.csv'))).toEqual([true])
    expect(origins.syncRuns).toBe(0)
    expect(origins.tables.has('deals')).toBe(true)
  })

  it('reads an empty store as having no imports', async () => {
    const db = join(tempDir(), 'empty.db')
    await (await openStore({ path: db })).close()
    expect(readStoreFileOrigins(db)).toMatchObject({ importedFiles: [], syncRuns: 0 })
  })

  it('throws for a file that is not a SQLite database', () => {
    expect(() => readStoreFileOrigins(writeTempFile('not.db', 'plain text, not a database'))).toThrow()
  })
})
