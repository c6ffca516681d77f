import type { SlackContext } from '../app/slack-context.js'
import { type DrainOptions, type DrainResult, drainOutbox } from '../outbox/drain-outbox.js'
import { planStalledDealDms, type StallPlan } from './plan-stalled-deal-dms.js'

/**
 * The weekday-morning job (and `pulse alerts`): plan the stalled-deal DMs as of today, then
 * deliver everything in the outbox (including anything a previous run left behind). An abort of
 * `options.signal` also ends a wait for a plan another process is making (it then throws).
 */
export async function sendStalledDealDms(ctx: SlackContext, options: DrainOptions = {}): Promise<{ plan: StallPlan; drain: DrainResult }> {
  const plan = await planStalledDealDms(ctx, { asOf: ctx.clock.asOf(), ...(options.signal ? { signal: options.signal } : {}) })
  const drain = await drainOutbox(ctx, options)
  return { plan, drain }
}
