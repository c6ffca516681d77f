import { loadConfig } from '../../src/config.js'
import type { Store } from '../../src/db/open-store.js'
import { type Scheduler, startScheduler } from '../../src/jobs/start-scheduler.js'
import { silentLogger } from '../../src/log/create-logger.js'

/** A cron expression that does not come round during a test (midnight on 1 January). */
export const NEVER = '0 0 1 1 *'

/**
 * Starts the real scheduler with only the stalled-deal alerts scheduled, daily at 09:00 in
 * `timezone`; every other job does nothing. `stalledAlerts` is the alerts job's body.
 */
export function startDailyAlerts(store: Store, timezone: string, stalledAlerts: () => Promise<void>): Scheduler {
  const none = async () => undefined
  return startScheduler({
    store,
    config: loadConfig({
      PULSE_TZ: timezone,
      PULSE_ALERTS_SCHEDULE: '0 9 * * *',
      PULSE_SYNC_SCHEDULE: NEVER,
      PULSE_RETRAIN_SCHEDULE: NEVER,
      PULSE_ANOMALY_SCHEDULE: NEVER,
    }),
    logger: silentLogger(),
    notifyAdmins: none,
    jobs: { sync: none, score: none, refreshHome: none, retrain: none, anomalyCheck: none, stalledAlerts },
  })
}
