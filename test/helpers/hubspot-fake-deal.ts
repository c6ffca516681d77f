import type { FakeHubspotDeal } from '../fakes/hubspot-fake.js'

/** Noon UTC of a `YYYY-MM-DD` day, as HubSpot writes its dates. */
export const hubspotNoon = (d: string) => `${d}T12:00:00.000Z`

/**
 * A deal as the HubSpot fake serves it, created on 2024-01-10 in the default pipeline, whose stage
 * history is `steps` (stage id @ day): its stage and last change are the last step's, and, when
 * `closed`, so is its close date. `lastActivity` sets `notes_last_updated`; `extra` overrides.
 */
export function hubspotFakeDeal(
  id: string,
  steps: Array<[string, string]>,
  options: { closed?: 'won' | 'lost' | null; amount?: string; lastActivity?: string; extra?: Partial<FakeHubspotDeal> } = {},
): FakeHubspotDeal {
  const last = steps[steps.length - 1] as [string, string]
  const closed = options.closed ?? null
  return {
    id,
    createdAt: hubspotNoon('2024-01-10'),
    archived: false,
    history: steps.map(([value, d]) => ({ value, timestamp: hubspotNoon(d) })),
    properties: {
      dealname: `Deal ${id}`,
      amount: options.amount ?? '80000',
      dealstage: last[0],
      pipeline: 'default',
      createdate: hubspotNoon('2024-01-10'),
      closedate: closed ? hubspotNoon(last[1]) : null,
      hs_is_closed: closed ? 'true' : 'false',
      hs_is_closed_won: closed === 'won' ? 'true' : 'false',
      hs_lastmodifieddate: hubspotNoon(last[1]),
      ...(options.lastActivity === undefined ? {} : { notes_last_updated: hubspotNoon(options.lastActivity) }),
      hubspot_owner_id: null,
    },
    ...options.extra,
  }
}
