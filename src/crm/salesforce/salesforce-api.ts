import { z } from 'zod'
import { sliceWhole } from '../../domain/slice-whole.js'
import { AppError } from '../../errors.js'
import type { Logger } from '../../log/create-logger.js'
import { type Clock, systemClock } from '../http/clock.js'
import { CrmHttpError, type CrmHttpStats, createCrmHttp, describeBody, type FailureKind, parseJson, said } from '../http/crm-http.js'
import { createPacer } from '../http/pacer.js'
import { parseBody } from '../http/parse-body.js'
import { salesforceBaseUrl } from './salesforce-base-url.js'

/** The REST API version we pin (Salesforce keeps old versions for years). */
export const SALESFORCE_API_VERSION = 'v66.0'

/** Options of {@link createSalesforceApi}. */
export interface SalesforceApiOptions {
  /** The My Domain URL (`https://acme.my.salesforce.com`): client credentials only work there. */
  url: string
  clientId: string
  clientSecret: string
  /** Requests per second we allow ourselves (Salesforce documents daily, not per-second, limits; default 25). */
  requestsPerSecond?: number
  clock?: Clock
  fetch?: typeof fetch
  timeoutMs?: number
  backoffBaseMs?: number
  logger?: Logger
}

const queryResponse = z.object({
  // Not read by the sync: a server that leaves it out (a proxy, a test double) pages the same.
  totalSize: z.number().nullish(),
  done: z.boolean(),
  // Salesforce leaves it out on the last page; null reads the same.
  nextRecordsUrl: z.string().nullish(),
  // Records are checked as objects here and field by field where they are read (a full schema per record costs more than the sync).
  records: z.array(
    z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'expected a record object'),
  ),
})
const describeResponse = z.object({ fields: z.array(z.object({ name: z.string() })) })
// Queries go to SALESFORCE_URL, so a token answer without `instance_url` (a proxy, a test double) still serves: links use SALESFORCE_URL.
const tokenResponse = z.object({ access_token: z.string(), instance_url: z.string().nullish(), token_type: z.string().nullish() })

/** One page of a SOQL result: records are plain objects with nested parents (`Account.Industry`). */
export type SoqlPage = z.output<typeof queryResponse>

/** A page fetched but not yet parsed. `nextRecordsUrl` is null when the peek found none. */
export interface UnparsedPage {
  nextRecordsUrl: string | null
  parse(): SoqlPage
}

/** Typed calls to the Salesforce REST endpoints the sync uses. */
export interface SalesforceApi {
  /**
   * `GET /services/data/vXX.X/query?q=` (or `/queryAll`, which also returns deleted rows).
   * `optional`: a question the sync can do without, asked once with a 10 s timeout and no retry
   * (as {@link SalesforceApi.fieldNames}), so a server that fails it does not hold the sync up.
   */
  query(soql: string, options?: { all?: boolean; optional?: boolean }): Promise<SoqlPage>
  /** The next page of a query: `nextRecordsUrl` as Salesforce gave it (relative). */
  next(nextRecordsUrl: string): Promise<SoqlPage>
  /**
   * Like {@link SalesforceApi.query} / {@link SalesforceApi.next}, but hands back the page before
   * parsing it, with the `nextRecordsUrl` read off its first bytes (Salesforce puts it before the
   * records), so the next page can be requested while this one is parsed.
   */
  fetchPage(target: { soql: string } | { next: string }): Promise<UnparsedPage>
  /**
   * The field names of `sobject` (`GET /services/data/vXX.X/sobjects/{sobject}/describe`), asked
   * once, with a 10 s timeout and no retry: the caller treats a failure as "unknown".
   */
  fieldNames(sobject: string): Promise<Set<string>>
  /** The instance URL from the last token (for record links only; requests go to the My Domain URL). */
  instanceUrl(): string | undefined
  readonly stats: CrmHttpStats
}

const SERVICE = 'Salesforce'
/** The timeout of a request the sync can do without (a describe, a one-row question), which is never retried. */
const OPTIONAL_TIMEOUT_MS = 10_000

/** One query's pages: the object it reads (null when unknown, as for a child result paged on its own) and the path of each page asked for. */
interface Listing {
  object: string | null
  paths: Set<string>
}

/** Queries whose next page may still be asked for, remembered at once (the sync runs a handful together). */
const MAX_LISTINGS = 256
/** Retries of a `REQUEST_LIMIT_EXCEEDED` that does not say the daily limit is spent (about 8-15 s of backoff in all). */
const LIMIT_RETRIES = 5
const SEGMENT_VARS = 'SALESFORCE_REGION_FIELD, SALESFORCE_INDUSTRY_FIELD, SALESFORCE_PRODUCT_FIELD or SALESFORCE_LEAD_SOURCE_FIELD'

/**
 * A Salesforce client on plain `fetch`: a client-credentials token from the My Domain token
 * endpoint, minted on first use and again on 401 `INVALID_SESSION_ID` (once, however many requests
 * in flight were refused with the expired one).
 */
export function createSalesforceApi(options: SalesforceApiOptions): SalesforceApi {
  const clock = options.clock ?? systemClock
  const pacer = createPacer({ limit: options.requestsPerSecond ?? 25, windowMs: 1000, clock })
  // API calls go to the My Domain URL, which serves the REST API of the org just as the token's
  // `instance_url` does (for client credentials they are the same): a token answer naming another
  // host (a proxy's, a copied example's) cannot send the queries astray. `instance_url` is kept for record links.
  // SALESFORCE_URL as pasted from a browser or the docs (a page, an API path) is read as the My Domain URL it starts with.
  const myDomain = salesforceBaseUrl(options.url)
  let token: { accessToken: string; instanceUrl: string } | undefined
  let minting: Promise<void> | undefined

  const common = {
    urlSetting: 'SALESFORCE_URL',
    baseUrl: myDomain,
    secrets: () => [options.clientSecret],
    fetch: options.fetch,
    clock,
    timeoutMs: options.timeoutMs,
    backoffBaseMs: options.backoffBaseMs,
    logger: options.logger,
  }
  const tokenHttp = createCrmHttp({
    ...common,
    service: SERVICE,
    authorize: async () => ({}),
    classify: (status, body) => {
      if (status === 400 || status === 401) {
        const b = (body ?? {}) as { error?: string; error_description?: string }
        // The token endpoint refuses with an OAuth error (`{ error, error_description }`); any other
        // answer (a REST error array, a page) came from something else at that address.
        if (typeof b.error !== 'string') {
          return {
            kind: 'auth',
            error: new AppError(
              'crm_auth',
              `SALESFORCE_URL (${shownUrl(myDomain)}) did not answer as Salesforce's token endpoint does (POST /services/oauth2/token: HTTP ${status}${said(body)}). Set SALESFORCE_URL to your My Domain URL, such as https://acme.my.salesforce.com (Setup > My Domain shows it).`,
            ),
          }
        }
        return {
          kind: 'auth',
          error: new AppError(
            'crm_auth',
            `Salesforce refused the client credentials (${[b.error, b.error_description].filter(Boolean).join(': ') || `HTTP ${status}`}). Check SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET, that SALESFORCE_URL is your My Domain URL, and that the connected app has client credentials enabled with a Run As user.`,
          ),
        }
      }
      return undefined
    },
    authError: (status) =>
      new AppError(
        'crm_auth',
        `Salesforce refused the token request (HTTP ${status}). Check SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET.`,
      ),
  })

  async function mint(): Promise<void> {
    const endpoint = 'POST /services/oauth2/token'
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: options.clientId, client_secret: options.clientSecret })
    let t: z.output<typeof tokenResponse>
    try {
      const res = await tokenHttp.send({
        method: 'POST',
        url: `${myDomain}/services/oauth2/token`,
        endpoint,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        pacer,
      })
      t = parseBody(tokenResponse, res.body, SERVICE, endpoint)
    } catch (error) {
      // A success that carries no token (a web page, another service's JSON): SALESFORCE_URL leads
      // somewhere else, and asking again at the next sync will not change that.
      if (error instanceof CrmHttpError && error.code === 'crm_bad_response' && error.status >= 200 && error.status < 300) {
        throw new AppError(
          'crm_auth',
          `SALESFORCE_URL (${shownUrl(myDomain)}) did not answer as Salesforce's token endpoint does (${endpoint} answered HTTP ${error.status} without an access token). Set SALESFORCE_URL to your My Domain URL, such as https://acme.my.salesforce.com (Setup > My Domain shows it).`,
        )
      }
      throw error
    }
    token = { accessToken: t.access_token, instanceUrl: (t.instance_url || myDomain).replace(/\/+$/, '') }
  }
  const ensureToken = async () => {
    if (token) return
    minting ??= mint().finally(() => {
      minting = undefined
    })
    await minting
  }

  const http = createCrmHttp({
    ...common,
    service: SERVICE,
    authorize: async () => {
      await ensureToken()
      return { authorization: `Bearer ${token?.accessToken}` }
    },
    // Several requests in flight when the session expires are all refused: the first to hear
    // it mints the new token, the others (sent with the old one) are sent again with it.
    renewSession: async (refused) => {
      if (token !== undefined && refused.authorization === `Bearer ${token.accessToken}`) token = undefined
      await ensureToken()
    },
    classify: classifyApi,
    authError: (status, endpoint, body) =>
      new AppError(
        'crm_auth',
        `Salesforce refused ${endpoint} (HTTP ${status}${said(body)}). The Run As user of the connected app behind SALESFORCE_CLIENT_ID needs API access and read access to Opportunity, OpportunityHistory and OpportunityStage.`,
      ),
  })

  async function get(pathAndQuery: string, endpoint: string, optional = false): Promise<SoqlPage> {
    await ensureToken()
    const once = optional ? { timeoutMs: OPTIONAL_TIMEOUT_MS, maxRetries: 0 } : {}
    const res = await http.send({ method: 'GET', url: `${myDomain}${pathAndQuery}`, endpoint, pacer, ...once })
    return parseBody(queryResponse, res.body, SERVICE, endpoint)
  }

  const queryTarget = (soql: string, all: boolean) => {
    const resource = all ? 'queryAll' : 'query'
    const from = /\bFROM\s+(\w+)/i.exec(soql.replace(/\([^()]*\)/g, ''))?.[1] ?? 'SOQL'
    return {
      path: `/services/data/${SALESFORCE_API_VERSION}/${resource}?q=${encodeURIComponent(soql)}`,
      endpoint: `GET /${resource} (${from})`,
      object: from === 'SOQL' ? null : from,
    }
  }
  /** A new query's listing: the object it reads and its first page. */
  const started = (t: { path: string; object: string | null }): Listing => ({ object: t.object, paths: new Set([t.path]) })
  // Salesforce sends `nextRecordsUrl` relative to the instance; an absolute one is read for its
  // path only, so the token never goes to another host.
  const nextTarget = (url: string) => {
    const path = /^https?:\/\//i.test(url) ? ((u) => u.pathname + u.search)(new URL(url)) : url.startsWith('/') ? url : `/${url}`
    return { path, endpoint: `GET ${path.replace(/\/[^/]*$/, '/…')}` }
  }
  // The query each page still to be asked for continues (by path), so a paging that comes back to
  // a page it sent before (A -> B -> A) is caught however long the loop. An entry goes once its page
  // is asked for; a query left before its end leaves one behind, so the oldest go past a bound.
  const listings = new Map<string, Listing>()
  const follows = (listing: Listing, next: string | null | undefined) => {
    if (!next) return
    listings.set(nextTarget(next).path, listing)
    if (listings.size > MAX_LISTINGS) listings.delete(listings.keys().next().value as string)
  }
  /** The query a next page belongs to, with that page's path added; throws when the query asked for it before. */
  const continued = (t: { path: string; endpoint: string }): Listing => {
    const listing = listings.get(t.path) ?? { object: null, paths: new Set<string>() }
    listings.delete(t.path)
    if (listing.paths.has(t.path)) {
      const of = listing.object === null ? `a query (${t.endpoint})` : `the ${listing.object} query`
      throw new CrmHttpError(
        'crm_bad_response',
        `${SERVICE}'s paging of ${of} came back to a page it had already sent (nextRecordsUrl ${JSON.stringify(sliceWhole(t.path, 120))} after ${listing.paths.size} pages), so it would never end; the sync stops. Check that SALESFORCE_URL is your org's My Domain URL, not a proxy or cache in front of it. The deals stored so far are kept; the next sync resumes from there.`,
        200,
        null,
      )
    }
    listing.paths.add(t.path)
    return listing
  }
  // A page that names itself as the next one (`done: false` with its own `nextRecordsUrl`) would
  // be asked for again and again, re-reading the same records for ever: the sync stops instead.
  const selfNamed = (t: { path: string; endpoint: string }, next: string | null | undefined) => {
    if (!next || nextTarget(next).path !== t.path) return
    throw new CrmHttpError(
      'crm_bad_response',
      `${SERVICE} answered ${t.endpoint} with a page that names itself as the next page (nextRecordsUrl ${JSON.stringify(sliceWhole(t.path, 120))}), so its paging would never end; the sync stops. Check that SALESFORCE_URL is your org's My Domain URL. The deals stored so far are kept; the next sync resumes from there.`,
      200,
      null,
    )
  }

  return {
    stats: http.stats,
    instanceUrl: () => token?.instanceUrl,
    async fetchPage(target) {
      const query = 'soql' in target ? queryTarget(target.soql, false) : undefined
      const { path, endpoint } = query ?? nextTarget((target as { next: string }).next)
      const listing = query ? started(query) : continued({ path, endpoint })
      await ensureToken()
      const res = await http.send({ method: 'GET', url: `${myDomain}${path}`, endpoint, pacer, raw: true })
      const text = res.body as string
      const head = /^\s*\{\s*"totalSize"\s*:\s*\d+\s*,\s*"done"\s*:\s*(true|false)\s*(?:,\s*"nextRecordsUrl"\s*:\s*"([^"\\]+)")?/.exec(
        text.slice(0, 400),
      )
      const nextRecordsUrl = head?.[1] === 'false' ? (head[2] ?? null) : null
      if ('next' in target) selfNamed({ path, endpoint }, nextRecordsUrl)
      follows(listing, nextRecordsUrl)
      return {
        nextRecordsUrl,
        parse: () => {
          const page = parseBody(queryResponse, parseJson(text, SERVICE, endpoint, res.status), SERVICE, endpoint)
          if ('next' in target && !page.done) selfNamed({ path, endpoint }, page.nextRecordsUrl)
          // Named only here (the first bytes did not show it): the caller asks for it after this.
          if (nextRecordsUrl === null && !page.done) follows(listing, page.nextRecordsUrl)
          return page
        },
      }
    },
    async fieldNames(sobject) {
      const endpoint = `GET /sobjects/${sobject}/describe`
      await ensureToken()
      const res = await http.send({
        method: 'GET',
        url: `${myDomain}/services/data/${SALESFORCE_API_VERSION}/sobjects/${encodeURIComponent(sobject)}/describe`,
        endpoint,
        pacer,
        timeoutMs: OPTIONAL_TIMEOUT_MS,
        maxRetries: 0,
      })
      return new Set(parseBody(describeResponse, res.body, SERVICE, endpoint).fields.map((f) => f.name))
    },
    async query(soql, opts = {}) {
      const t = queryTarget(soql, opts.all ?? false)
      const listing = started(t)
      const page = await get(t.path, t.endpoint, opts.optional)
      if (!page.done) follows(listing, page.nextRecordsUrl)
      return page
    },
    async next(nextRecordsUrl) {
      const t = nextTarget(nextRecordsUrl)
      const listing = continued(t)
      const page = await get(t.path, t.endpoint)
      if (!page.done) {
        selfNamed(t, page.nextRecordsUrl)
        follows(listing, page.nextRecordsUrl)
      }
      return page
    },
  }
}

/** `url` without credentials, query or fragment, for a message. */
function shownUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.origin}${u.pathname}`.replace(/\/+$/, '')
  } catch {
    return 'not a URL'
  }
}

/** Salesforce's REST errors are an array of `{ message, errorCode }`; `Sforce-Limit-Info` tells a spent daily limit from a passing one. */
function classifyApi(status: number, body: unknown, headers: Headers): FailureKind | undefined {
  const first = Array.isArray(body) ? (body[0] as { errorCode?: string; message?: string } | undefined) : undefined
  const code = first?.errorCode
  if (status === 401) return { kind: 'session_expired' }
  if (code === 'REQUEST_LIMIT_EXCEEDED') {
    // `Sforce-Limit-Info: api-usage=15000/15000`: the org's 24-hour allowance is spent; waiting seconds does not help.
    const usage = /api-usage=(\d+)\/(\d+)/.exec(headers.get('sforce-limit-info') ?? '')
    if (usage && Number(usage[1]) >= Number(usage[2])) {
      return {
        kind: 'fail',
        error: new AppError(
          'crm_rate_limited',
          `Salesforce refused the request: the org's API request limit is used up (api-usage=${usage[1]}/${usage[2]}, REQUEST_LIMIT_EXCEEDED). The opportunities stored so far are kept; the next sync resumes from there once the 24-hour limit frees up.`,
        ),
      }
    }
    // Without a spent `api-usage`, the refusal is either a burst of long requests (over in
    // seconds) or the 24-hour limit running out: a few retries cover the first without
    // sitting minutes through the second.
    return {
      kind: 'rate_limited',
      maxRetries: LIMIT_RETRIES,
      exhausted: (endpoint, refusals) =>
        new AppError(
          'crm_rate_limited',
          `Salesforce refused ${endpoint} ${refusals} times in a row (${describeBody(body).replace(/[.\s]+$/, '')}): the org's API request limit is likely used up (Setup > Company Information shows "API Requests, Last 24 Hours"), or too many long requests were running at once. The opportunities stored so far are kept; the next sync resumes from there.`,
        ),
    }
  }
  if (code === 'INVALID_QUERY_LOCATOR') {
    // A query cursor lives about 15 minutes without use (and a user has only a few open at once).
    return {
      kind: 'fail',
      error: new AppError(
        'crm_unavailable',
        `Salesforce's query cursor expired before the sync read all of it (${describeBody(body)}). The opportunities stored so far are kept; run the sync again to continue from there.`,
      ),
    }
  }
  if (status === 400 && (code === 'INVALID_FIELD' || code === 'MALFORMED_QUERY' || code === 'INVALID_TYPE')) {
    return {
      kind: 'fail',
      // With its status and body, so that a caller that can go on without the query can say what Salesforce said.
      error: new CrmHttpError(
        'crm_bad_response',
        code === 'INVALID_TYPE'
          ? // An object the Run As user may not read answers as one that does not exist.
            `Salesforce rejected the query (${describeBody(body)}): the connected app's Run As user cannot read that object. Give it read access to Opportunity, OpportunityHistory, OpportunityStage, User and Account (its profile or a permission set), then sync again.`
          : `Salesforce rejected the query (${describeBody(body)}). If it names a segment field, fix ${SEGMENT_VARS}.`,
        status,
        body,
      ),
    }
  }
  return undefined
}
