import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { MIN_EVIDENCE_DEALS } from '../../src/model/win-rate-driver-engine.js'
import { writeSampleFiles } from '../../src/sample/write-sample-files.js'
import { retrainModel } from '../../src/services/retrain-model.js'
import { loadCurrentModel, scoreOpenDeals } from '../../src/services/score-open-deals.js'
import { openTestStore, tempDir } from '../helpers/test-store.js'

const AS_OF = '2026-06-30'
const STAGES = ['Qualified', 'Demo', 'Proposal', 'Negotiation', 'Closed']

describe('the evidence a tree-path reason states', () => {
  // The planted story at 4,000 deals, seed 11: an informative tree, some of whose leaves hold a
  // handful of training deals (a node of more than the node size is split however small a child is).
  it('never states the win rate of fewer than 30 deals: a small leaf names the narrowest node above it that holds 30', async () => {
    const out = join(tempDir(), 'sample.csv')
    writeSampleFiles({ out, deals: 4000, seed: 11, asOf: AS_OF })
    const store = await openTestStore()
    try {
      await importCsvFile(store, { path: out, map: new Map(), stages: STAGES, startedBy: null })
      const trained = await retrainModel(store, { asOf: AS_OF, staleDays: 30 })
      expect(trained.informative).toBe(true)
      const scored = await scoreOpenDeals(store, { asOf: AS_OF, idleDays: 14, save: false })
      const stated = scored.deals.map((d) => {
        const m = d.reasons[0]?.match(/^(.*): similar deals won (\d+)% \(n=([\d,]+)\)$/)
        expect(m, d.reasons[0]).not.toBeNull()
        return { dealId: d.dealId, path: m?.[1] as string, rate: Number(m?.[2]), n: Number(m?.[3]?.replace(/,/g, '')) }
      })
      for (const s of stated) expect(s.n, `${s.dealId}: ${s.path}`).toBeGreaterThanOrEqual(MIN_EVIDENCE_DEALS)

      // Some deals do fall in a smaller leaf (none of the leaves listed): their reason is the path to
      // an ancestor, with its counts, while the probability stays the leaf's own.
      const { engine } = await loadCurrentModel(store.db, AS_OF)
      const leaves = engine.drivers(1000).paths
      const smaller = stated.filter((s) => leaves.every((p) => p.description !== s.path))
      expect(smaller.length).toBeGreaterThan(0)
      // The model's drivers list no leaf of a handful of deals either.
      for (const p of leaves) expect(p.n).toBeGreaterThanOrEqual(MIN_EVIDENCE_DEALS)
    } finally {
      await store.close()
    }
  }, 120_000)
})
