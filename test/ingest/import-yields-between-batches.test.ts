import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_STAGES } from '../../src/config.js'
import { openStore, type Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const HEADER = 'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'

function file(deals: number, amountBase: number): string {
  const rows = [HEADER]
  for (let i = 0; i < deals; i++) {
    const outcome = ['Won', 'Lost', 'Open'][i % 3]
    const closed = outcome === 'Open' ? '' : '2024-02-01'
    rows.push(`D${i},2024-01-02,${closed},rep_${i % 9},SaaS,EMEA,Core,Inbound,Demo,${amountBase + i},${outcome}`)
  }
  return `${rows.join('\n')}\n`
}

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

describe('a large import on a worker thread', () => {
  // Ctrl-C (pulse ingest's SIGINT handler), timers and other I/O need the event loop: a writer
  // that took batch after batch from the parser in one go held them all off until the commit.
  it('lets the event loop turn between the batches it writes, also when the parser is ahead', async () => {
    store = await openStore({ path: `${tempDir()}/pulse.db` })
    const first = writeTempFile('first.csv', file(30_000, 1000))
    await importCsvFile(store, { path: first, stages: DEFAULT_STAGES, threads: 'inline' })
    // A re-import updates every deal: the writer is slower than the parser, whose batches queue up.
    const again = writeTempFile('again.csv', file(30_000, 2000))
    let turns = 0
    let spinning = true
    const spin = () => {
      turns++
      if (spinning) setImmediate(spin)
    }
    setImmediate(spin)
    const seen: number[] = []
    try {
      const summary = await importCsvFile(store, {
        path: again,
        stages: DEFAULT_STAGES,
        threads: 'worker',
        onProgress: () => seen.push(turns),
      })
      expect(summary.updated).toBe(30_000)
    } finally {
      spinning = false
    }
    // One progress call per written batch of 1,000; the loop turned between (nearly) every two.
    expect(seen.length).toBe(30)
    const turned = seen.filter((t, i) => i > 0 && t > (seen[i - 1] as number)).length
    expect(turned).toBeGreaterThanOrEqual(seen.length - 3)
  })
})
