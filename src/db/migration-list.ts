import type { Migration } from 'kysely'
import * as core from '../../migrations/0001-core.js'
import * as analytics from '../../migrations/0002-analytics.js'
import * as model from '../../migrations/0003-model.js'
import * as crmSync from '../../migrations/0004-crm-sync.js'
import * as slack from '../../migrations/0005-slack.js'
import * as leanDealIndexes from '../../migrations/0006-lean-deal-indexes.js'
import * as dealIdOrder from '../../migrations/0007-deal-id-order.js'
import * as snoozeOwner from '../../migrations/0008-snooze-owner.js'
import * as areaTables from '../../migrations/0009-area-tables.js'
import * as rebuildRollup from '../../migrations/0010-rebuild-rollup.js'
import * as slackTokenRefusals from '../../migrations/0011-slack-token-refusals.js'
import * as slackShareClaims from '../../migrations/0012-slack-share-claims.js'
import * as fullSyncSeen from '../../migrations/0013-full-sync-seen.js'
import * as crmNoAmountBand from '../../migrations/0014-crm-no-amount-band.js'
import * as rollupCents from '../../migrations/0015-rollup-cents.js'
import * as composedCsvDealIds from '../../migrations/0016-composed-csv-deal-ids.js'
import * as snoozeOwnerEmail from '../../migrations/0017-snooze-owner-email.js'
import * as chartImageReferences from '../../migrations/0018-chart-image-references.js'
import * as stageStoredSpelling from '../../migrations/0019-stage-stored-spelling.js'
import * as stageSpellingAfterSync from '../../migrations/0020-stage-spelling-after-sync.js'
import * as openDealsCurrency from '../../migrations/0021-open-deals-currency.js'

/**
 * Every migration, in order. Listed statically (not read from a folder) so the same list
 * works from TypeScript sources under vitest and from the compiled `dist/`.
 * Add a new migration file to `migrations/` and one line here.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-core': core,
  '0002-analytics': analytics,
  '0003-model': model,
  '0004-crm-sync': crmSync,
  '0005-slack': slack,
  '0006-lean-deal-indexes': leanDealIndexes,
  '0007-deal-id-order': dealIdOrder,
  '0008-snooze-owner': snoozeOwner,
  '0009-area-tables': areaTables,
  '0010-rebuild-rollup': rebuildRollup,
  '0011-slack-token-refusals': slackTokenRefusals,
  '0012-slack-share-claims': slackShareClaims,
  '0013-full-sync-seen': fullSyncSeen,
  '0014-crm-no-amount-band': crmNoAmountBand,
  '0015-rollup-cents': rollupCents,
  '0016-composed-csv-deal-ids': composedCsvDealIds,
  '0017-snooze-owner-email': snoozeOwnerEmail,
  '0018-chart-image-references': chartImageReferences,
  '0019-stage-stored-spelling': stageStoredSpelling,
  '0020-stage-spelling-after-sync': stageSpellingAfterSync,
  '0021-open-deals-currency': openDealsCurrency,
}
