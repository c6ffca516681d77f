import type { Insertable } from 'kysely'
import type { ModelsTable } from '../../src/db/schema-model.js'

/**
 * A `models` row with an empty model, for store tests that need a model id (scores, the current
 * model) and never load what it predicts; `overrides` sets the fields a test cares about.
 */
export function placeholderModel(overrides: Partial<Insertable<ModelsTable>> = {}): Insertable<ModelsTable> {
  return {
    engine: 'WinRateDriverEngine',
    trained_at: '2025-03-03T09:00:00.000Z',
    as_of: '2025-03-01',
    informative: 1,
    n_train: 1,
    n_test: 1,
    train_from: '2024-01-01',
    train_to: '2024-12-01',
    test_from: '2024-12-02',
    test_to: '2025-03-01',
    params: '{}',
    metrics: '{}',
    model: '{}',
    ...overrides,
  }
}
