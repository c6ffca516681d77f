import { z } from 'zod'
import { AppError } from '../../errors.js'
import type { Logger } from '../../log/create-logger.js'
import { type Clock, systemClock } from '../http/clock.js'
import { type CrmHttp, type CrmHttpStats, createCrmHttp, type FailureKind, retryAfterMs, said } from '../http/crm-http.js'
import { createPacer, type Pacer } from '../http/pacer.js'
import { parseBody } from '../http/parse-body.js'

/** HubSpot's documented limits that we pace below. */
export interface HubspotLimits {
  /** Search requests per second (HubSpot documents 5). */
  searchPerSecond: number
  /** Other requests per 10 seconds (100 on Free/Starter, 190 on Professional/Enterprise). */
  burstPerTenSeconds: number
}

/** Options of {@link createHubspotApi}. */
export interface HubspotApiOptions {
  token: string
  baseUrl: string
  limits?: Partial<HubspotLimits>
  clock?: Clock
  fetch?: typeof fetch
  timeoutMs?: number
  backoffBaseMs?: number
  logger?: Logger
}

// HubSpot writes every id, property value, date and cursor as a JSON string. One written as a
// number or a flag (`"amount": 48000`, `"createdAt": 1714550621120`, `"hs_is_closed": true`,
// `"probability": 0.2`), as older APIs, exports and proxies do, is read as the same text.
const text = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v))
const property = text.nullable().optional()
const properties = z.record(z.string(), property)

// HubSpot leaves optional fields out, a server in front of it (or a fake) may send them as null: both read the same.
const paging = z.object({ next: z.object({ after: text }).nullish() }).nullish()
const searchResponse = z.object({
  total: z.number().nullish(),
  results: z.array(z.object({ id: text, properties, updatedAt: text.nullish() })),
  paging,
})

const historyItem = z.object({ value: text.nullable(), timestamp: text })
const dealObject = z.object({
  id: text,
  properties,
  propertiesWithHistory: z.record(z.string(), z.array(historyItem).nullish()).nullish(),
  createdAt: text.nullish(),
  updatedAt: text.nullish(),
  archived: z.boolean().nullish(),
  archivedAt: text.nullish(),
  url: z.string().nullish(),
})
const batchResponse = z.object({ status: z.string().nullish(), results: z.array(dealObject) })
// The archived list is read for its ids alone: an entry without `properties` (a proxy, a test double) serves as well.
const archivedListResponse = z.object({ results: z.array(z.object({ id: text, archived: z.boolean().nullish() })), paging })
// A server (a proxy, a test double) that leaves a pipeline's or stage's `displayOrder` out, or
// sends it null, lists them in their order: each then takes its place in the list.
const inListOrder = <T extends { displayOrder?: number | null | undefined }>(items: T[]) =>
  items.map((item, i) => ({ ...item, displayOrder: item.displayOrder ?? i }))
const pipelinesResponse = z.object({
  results: z
    .array(
      z.object({
        id: text,
        label: z.string(),
        displayOrder: z.number().nullish(),
        archived: z.boolean().nullish(),
        stages: z
          .array(
            z.object({
              id: text,
              label: z.string(),
              displayOrder: z.number().nullish(),
              archived: z.boolean().nullish(),
              metadata: z.record(z.string(), text.nullish()).nullish(),
            }),
          )
          .transform(inListOrder),
      }),
    )
    .transform(inListOrder),
})
const ownersResponse = z.object({
  results: z.array(
    z.object({
      id: text,
      email: z.string().nullable().optional(),
      firstName: z.string().nullable().optional(),
      lastName: z.string().nullable().optional(),
    }),
  ),
  paging,
})

/** One page of `POST /crm/v3/objects/deals/search`, as validated. */
export type HubspotSearchResponse = z.output<typeof searchResponse>
/** One deal object of a search page, with the properties (and history) asked for. */
export type HubspotDeal = z.output<typeof dealObject>
/** `GET /crm/v3/pipelines/deals`: the deal pipelines with their stages, as validated. */
export type HubspotPipelines = z.output<typeof pipelinesResponse>
/** One page of `GET /crm/v3/owners`, as validated. */
export type HubspotOwners = z.output<typeof ownersResponse>

/** One filter of a search request (HubSpot `Filter`). */
export interface HubspotFilter {
  propertyName: string
  operator: 'EQ' | 'GT' | 'GTE' | 'LT' | 'LTE'
  value: string
}

/** A deals search request body. */
export interface HubspotSearchRequest {
  filters: HubspotFilter[]
  sortBy: string
  properties: string[]
  limit: number
  after?: string
}

/** Typed calls to the HubSpot endpoints the sync uses (see docs/crm.md for the list). */
export interface HubspotApi {
  searchDeals(request: HubspotSearchRequest): Promise<HubspotSearchResponse>
  batchReadDeals(ids: readonly string[], properties: readonly string[], withHistory: readonly string[]): Promise<HubspotDeal[]>
  listArchivedDeals(after: string | undefined, limit: number): Promise<z.output<typeof archivedListResponse>>
  pipelines(): Promise<HubspotPipelines>
  owners(after: string | undefined, archived: boolean): Promise<HubspotOwners>
  readonly stats: CrmHttpStats
}

const SERVICE = 'HubSpot'

/** A HubSpot client on plain `fetch`: bearer token, paced below the search and burst limits. */
export function createHubspotApi(options: HubspotApiOptions): HubspotApi {
  const clock = options.clock ?? systemClock
  const limits: HubspotLimits = { searchPerSecond: 5, burstPerTenSeconds: 100, ...options.limits }
  const searchPacer: Pacer = createPacer({ limit: limits.searchPerSecond, windowMs: 1000, clock })
  const burstPacer: Pacer = createPacer({ limit: limits.burstPerTenSeconds, windowMs: 10_000, clock })
  const base = options.baseUrl.replace(/\/+$/, '')
  const http: CrmHttp = createCrmHttp({
    service: SERVICE,
    authorize: async () => ({ authorization: `Bearer ${options.token}` }),
    classify: (status, body, headers) => classify(status, body, headers, clock.now()),
    urlSetting: 'HUBSPOT_API_URL',
    baseUrl: base,
    authError: (status, endpoint, body) =>
      new AppError(
        'crm_auth',
        status === 403
          ? `HubSpot refused ${endpoint} (HTTP 403${said(body)}): the private app lacks a scope. Give the app behind HUBSPOT_TOKEN ${scopeAdvice(missingScopes(body))}.`
          : `HubSpot did not accept HUBSPOT_TOKEN (HTTP 401 on ${endpoint}${said(body)}). Set HUBSPOT_TOKEN to a valid private-app token; the deals stored so far are kept and the next sync resumes from there.`,
      ),
    fetch: options.fetch,
    clock,
    timeoutMs: options.timeoutMs,
    backoffBaseMs: options.backoffBaseMs,
    logger: options.logger,
  })

  const json = { 'content-type': 'application/json' }

  return {
    stats: http.stats,
    async searchDeals(request) {
      const endpoint = 'POST /crm/v3/objects/deals/search'
      const body = {
        filterGroups: [{ filters: request.filters }],
        sorts: [{ propertyName: request.sortBy, direction: 'ASCENDING' }],
        properties: request.properties,
        limit: request.limit,
        after: request.after ?? '0',
      }
      const res = await http.send({
        method: 'POST',
        url: `${base}/crm/v3/objects/deals/search`,
        endpoint,
        headers: json,
        body: JSON.stringify(body),
        pacer: searchPacer,
      })
      return parseBody(searchResponse, res.body, SERVICE, endpoint)
    },
    async batchReadDeals(ids, props, withHistory) {
      const endpoint = 'POST /crm/v3/objects/deals/batch/read'
      const res = await http.send({
        method: 'POST',
        url: `${base}/crm/v3/objects/deals/batch/read`,
        endpoint,
        headers: json,
        body: JSON.stringify({ inputs: ids.map((id) => ({ id })), properties: props, propertiesWithHistory: withHistory }),
        pacer: burstPacer,
      })
      return parseBody(batchResponse, res.body, SERVICE, endpoint).results
    },
    async listArchivedDeals(after, limit) {
      const endpoint = 'GET /crm/v3/objects/deals?archived=true'
      const q = new URLSearchParams({ archived: 'true', limit: String(limit), properties: 'hs_object_id' })
      if (after !== undefined) q.set('after', after)
      const res = await http.send({ method: 'GET', url: `${base}/crm/v3/objects/deals?${q}`, endpoint, pacer: burstPacer })
      return parseBody(archivedListResponse, res.body, SERVICE, endpoint)
    },
    async pipelines() {
      const endpoint = 'GET /crm/v3/pipelines/deals'
      const res = await http.send({ method: 'GET', url: `${base}/crm/v3/pipelines/deals`, endpoint, pacer: burstPacer })
      return parseBody(pipelinesResponse, res.body, SERVICE, endpoint)
    },
    async owners(after, archived) {
      const endpoint = 'GET /crm/v3/owners'
      const q = new URLSearchParams({ limit: '100', archived: String(archived) })
      if (after !== undefined) q.set('after', after)
      const res = await http.send({ method: 'GET', url: `${base}/crm/v3/owners?${q}`, endpoint, pacer: burstPacer })
      return parseBody(ownersResponse, res.body, SERVICE, endpoint)
    },
  }
}

/** How long HubSpot holds the lock behind a 423 (its error-handling guide: 2 s, so wait at least that). */
const LOCK_WAIT_MS = 2000

/** The longest `Retry-After` of a 477 (account migrating) waited out; a longer one stops the sync, saying why. */
const MIGRATION_WAIT_MS = 120_000

/**
 * HubSpot's 429 bodies: the search limit ("You have reached your secondly limit.") clears within
 * a second; the ten-secondly burst limit (`policyName: TEN_SECONDLY_ROLLING`) within ten.
 * A `Retry-After` header, when sent, wins over both. The daily limit (`policyName: DAILY`, or
 * `X-HubSpot-RateLimit-Daily-Remaining: 0`) stops the sync at once: it resets only at midnight.
 * HubSpot's other waits (its error-handling guide): 423 Locked (a burst of writes to the account
 * locks it for 2 s) is waited out and retried; 477 Migration in Progress (the account moving
 * between data hosting locations) is waited out when its `Retry-After` is short, and otherwise
 * stops the sync saying so (it is typically hours).
 */
function classify(status: number, body: unknown, headers: Headers, now: number): FailureKind | undefined {
  if (status === 423) {
    return {
      kind: 'rate_limited',
      waitMs: LOCK_WAIT_MS,
      exhausted: (endpoint, refusals) =>
        new AppError(
          'crm_unavailable',
          `HubSpot kept answering ${endpoint} with HTTP 423 Locked (${refusals} times in a row${said(body)}): something else is writing to the account in bulk. The deals stored so far are kept; run the sync again in a few minutes, and it resumes from there.`,
        ),
    }
  }
  if (status === 477) {
    const wait = retryAfterMs(headers, now)
    if (wait === null || wait <= MIGRATION_WAIT_MS) return { kind: 'rate_limited', ...(wait === null ? {} : { waitMs: wait }) }
    const hours = wait / 3_600_000
    const when = hours >= 1 ? `${Math.round(hours)} h` : `${Math.ceil(wait / 60_000)} min`
    return {
      kind: 'fail',
      error: new AppError(
        'crm_unavailable',
        `HubSpot is moving this account between data hosting locations (HTTP 477 Migration in Progress) and asks to wait ${when} before trying again. The deals stored so far are kept; the first sync after the move resumes from there.`,
      ),
    }
  }
  if (status !== 429) return undefined
  const b = (body && typeof body === 'object' ? body : {}) as { policyName?: string; message?: string }
  if (b.policyName === 'DAILY' || headers.get('x-hubspot-ratelimit-daily-remaining')?.trim() === '0') {
    // Waiting seconds does not help: the daily allowance resets at midnight in the account's time zone.
    return {
      kind: 'fail',
      error: new AppError(
        'crm_rate_limited',
        "HubSpot's daily API limit for this account is used up (HTTP 429). The deals stored so far are kept; the next sync after the limit resets (midnight in the account's time zone) resumes from there. Other apps using the same account share this limit.",
      ),
    }
  }
  if (b.policyName === 'TEN_SECONDLY_ROLLING') {
    const interval = Number(headers.get('x-hubspot-ratelimit-interval-milliseconds'))
    return { kind: 'rate_limited', waitMs: Number.isFinite(interval) && interval > 0 ? interval : 10_000 }
  }
  if (typeof b.message === 'string' && /secondly limit/i.test(b.message)) return { kind: 'rate_limited', waitMs: 1000 }
  return { kind: 'rate_limited' }
}

/** The read scopes docs/crm.md asks the private app for: the one to name when HubSpot accepts any of several. */
const NEEDED_SCOPES = ['crm.objects.deals.read', 'crm.objects.owners.read']

/** Alternatives named in a message at most; the rest are counted. */
const SCOPES_SHOWN = 4

/**
 * What to grant, in words, from the scopes a 403 names. HubSpot lists the scopes of which "one or
 * more" are required: any one of them lets the call through, and the list runs to the sensitive
 * and highly sensitive data scopes (`crm.objects.deals.highly_sensitive.read.v2`), so the plain
 * read scope we document is named when it is among them, never the whole list as if all were needed.
 * @example scopeAdvice(['crm.schemas.deals.read', 'crm.objects.deals.read'])
 *   // 'the scope crm.objects.deals.read (HubSpot accepts any one of: crm.schemas.deals.read, crm.objects.deals.read)'
 */
function scopeAdvice(scopes: readonly string[] | undefined): string {
  if (scopes === undefined || scopes.length === 0) return `the scopes ${NEEDED_SCOPES.join(' and ')}`
  if (scopes.length === 1) return `the scope ${scopes[0]}`
  const shown = scopes.slice(0, SCOPES_SHOWN).join(', ') + (scopes.length > SCOPES_SHOWN ? ` and ${scopes.length - SCOPES_SHOWN} more` : '')
  const needed = NEEDED_SCOPES.find((scope) => scopes.includes(scope))
  return needed === undefined
    ? `one of the scopes ${shown} (HubSpot accepts any one of them)`
    : `the scope ${needed} (HubSpot accepts any one of: ${shown})`
}

/** The scopes a HubSpot 403 body names (`errors[].context.requiredGranularScopes` / `requiredScopes`), in its order. */
function missingScopes(body: unknown): string[] | undefined {
  const errors = (body as { errors?: Array<{ context?: Record<string, unknown> }> } | null)?.errors
  if (!Array.isArray(errors)) return undefined
  const scopes = new Set<string>()
  for (const e of errors) {
    for (const key of ['requiredGranularScopes', 'requiredScopes']) {
      const list = e?.context?.[key]
      if (Array.isArray(list)) for (const scope of list) if (typeof scope === 'string') scopes.add(scope)
    }
  }
  return scopes.size > 0 ? [...scopes] : undefined
}
