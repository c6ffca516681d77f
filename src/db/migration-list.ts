import type { Kysely, Migration } from 'kysely'

/**
 * A migration whose module is imported only when it runs: opening a store that is up to date (every
 * command but the first on a new release) loads none of the 21 files.
 */
function lazyMigration(load: () => Promise<Migration>): Migration {
  return {
    up: async (db: Kysely<unknown>) => (await load()).up(db),
    down: async (db: Kysely<unknown>) => (await load()).down?.(db),
  }
}

/**
 * Every migration, in order. Listed statically (not read from a folder) so the same list
 * works from TypeScript sources under vitest and from the compiled `dist/`; each module loads when it runs.
 * Add a new migration file to `migrations/` and one line here.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-core': lazyMigration(() => import('../../migrations/0001-core.js')),
  '0002-analytics': lazyMigration(() => import('../../migrations/0002-analytics.js')),
  '0003-model': lazyMigration(() => import('../../migrations/0003-model.js')),
  '0004-crm-sync': lazyMigration(() => import('../../migrations/0004-crm-sync.js')),
  '0005-slack': lazyMigration(() => import('../../migrations/0005-slack.js')),
  '0006-lean-deal-indexes': lazyMigration(() => import('../../migrations/0006-lean-deal-indexes.js')),
  '0007-deal-id-order': lazyMigration(() => import('../../migrations/0007-deal-id-order.js')),
  '0008-snooze-owner': lazyMigration(() => import('../../migrations/0008-snooze-owner.js')),
  '0009-area-tables': lazyMigration(() => import('../../migrations/0009-area-tables.js')),
  '0010-rebuild-rollup': lazyMigration(() => import('../../migrations/0010-rebuild-rollup.js')),
  '0011-slack-token-refusals': lazyMigration(() => import('../../migrations/0011-slack-token-refusals.js')),
  '0012-slack-share-claims': lazyMigration(() => import('../../migrations/0012-slack-share-claims.js')),
  '0013-full-sync-seen': lazyMigration(() => import('../../migrations/0013-full-sync-seen.js')),
  '0014-crm-no-amount-band': lazyMigration(() => import('../../migrations/0014-crm-no-amount-band.js')),
  '0015-rollup-cents': lazyMigration(() => import('../../migrations/0015-rollup-cents.js')),
  '0016-composed-csv-deal-ids': lazyMigration(() => import('../../migrations/0016-composed-csv-deal-ids.js')),
  '0017-snooze-owner-email': lazyMigration(() => import('../../migrations/0017-snooze-owner-email.js')),
  '0018-chart-image-references': lazyMigration(() => import('../../migrations/0018-chart-image-references.js')),
  '0019-stage-stored-spelling': lazyMigration(() => import('../../migrations/0019-stage-stored-spelling.js')),
  '0020-stage-spelling-after-sync': lazyMigration(() => import('../../migrations/0020-stage-spelling-after-sync.js')),
  '0021-open-deals-currency': lazyMigration(() => import('../../migrations/0021-open-deals-currency.js')),
}
