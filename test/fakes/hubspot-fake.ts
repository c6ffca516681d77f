import { seededRandom } from '../../src/domain/seeded-random.js'
import { type CannedResponse, type FakeAnswer, type FakeServerBase, slidingWindow, startFakeServer } from './crm-fake-server.js'

/** A deal as the fake HubSpot holds it. `history` is the `dealstage` history, oldest first. */
export interface FakeHubspotDeal {
  id: string
  properties: Record<string, string | null>
  history: Array<{ value: string; timestamp: string }>
  createdAt: string
  archived: boolean
  archivedAt?: string
  /** A batch read answers this deal without `propertiesWithHistory` (HubSpot leaves it out for some records). */
  withoutHistory?: boolean
}

/** An owner as HubSpot lists it. */
export interface FakeHubspotOwner {
  id: string
  email: string
  firstName: string
  lastName: string
  archived: boolean
}

/** Options of {@link startHubspotFake}. */
export interface HubspotFakeOptions {
  token?: string
  deals?: FakeHubspotDeal[]
  owners?: FakeHubspotOwner[]
  /** Search requests allowed per second (default unlimited); beyond: 429 "secondly limit". */
  searchPerSecond?: number
  /** Other requests allowed per 10 s (default unlimited); beyond: 429 TEN_SECONDLY_ROLLING. */
  burstPerTenSeconds?: number
  /** Sent as `Retry-After` on 429s when set (HubSpot's own use of it is unverified). */
  retryAfterSeconds?: number
  /** The time stamped on modifications (default Date.now). */
  now?: () => number
}

/** The fake HubSpot: the state it serves and helpers to change it mid-test. */
export interface HubspotFake extends FakeServerBase {
  readonly token: string
  readonly deals: Map<string, FakeHubspotDeal>
  readonly owners: FakeHubspotOwner[]
  /** 429s answered, by limit. */
  readonly limited: { search: number; burst: number }
  /** Every id sent to batch read, in order. */
  readonly batchReadIds: string[]
  /** Changes properties (and the stage, with history) and stamps `hs_lastmodifieddate` now. */
  updateDeal(id: string, changes: Record<string, string | null>, at?: number): void
  addDeal(deal: FakeHubspotDeal): void
  archiveDeal(id: string, at?: number): void
  /** Gives a stage of the default pipeline a new label (its id, and its deals, unchanged), as a rename in HubSpot's settings does. */
  relabelStage(id: string, label: string): void
}

/** HubSpot's search cap: paging past 10,000 results answers 400. */
const SEARCH_CAP = 10_000

/** The default sales pipeline, as `GET /crm/v3/pipelines/deals` returns it. */
export const DEFAULT_PIPELINE_STAGES = [
  { id: 'appointmentscheduled', label: 'Appointment Scheduled', isClosed: false, probability: '0.2' },
  { id: 'qualifiedtobuy', label: 'Qualified To Buy', isClosed: false, probability: '0.4' },
  { id: 'presentationscheduled', label: 'Presentation Scheduled', isClosed: false, probability: '0.6' },
  { id: 'decisionmakerboughtin', label: 'Decision Maker Bought-In', isClosed: false, probability: '0.8' },
  { id: 'contractsent', label: 'Contract Sent', isClosed: false, probability: '0.9' },
  { id: 'closedwon', label: 'Closed Won', isClosed: true, probability: '1.0' },
  { id: 'closedlost', label: 'Closed Lost', isClosed: true, probability: '0.0' },
] as const

const ALWAYS = ['hs_object_id', 'createdate', 'hs_lastmodifieddate']

/**
 * Starts a fake HubSpot on a local port speaking the v3 wire format: deals search (filters,
 * sorts, offset paging, the 10,000 cap with a 400 past it, HubSpot's filter limits, the 5/s
 * search limit with HubSpot's 429 body), batch read with `propertiesWithHistory`, archived
 * deals, pipelines, owners, and 401 for a wrong token.
 */
export async function startHubspotFake(options: HubspotFakeOptions = {}): Promise<HubspotFake> {
  const token = options.token ?? 'hs-test-token'
  const now = options.now ?? Date.now
  const deals = new Map((options.deals ?? []).map((d) => [d.id, d]))
  const owners = options.owners ?? defaultOwners()
  const searchWindow = slidingWindow(options.searchPerSecond ?? Number.POSITIVE_INFINITY, 1000, Date.now)
  const burstWindow = slidingWindow(options.burstPerTenSeconds ?? Number.POSITIVE_INFINITY, 10_000, Date.now)
  const limited = { search: 0, burst: 0 }
  const batchReadIds: string[] = []
  // The default pipeline's stages as this fake lists them (labels may be changed).
  const stages: FakeStage[] = DEFAULT_PIPELINE_STAGES.map((s) => ({ ...s }))
  let sorted: FakeHubspotDeal[] | undefined
  const byTs = () => {
    sorted ??= [...deals.values()].filter((d) => !d.archived).sort((a, b) => tsOf(a) - tsOf(b) || Number(a.id) - Number(b.id))
    return sorted
  }
  const retryAfter: Record<string, string> =
    options.retryAfterSeconds !== undefined ? { 'retry-after': String(options.retryAfterSeconds) } : {}

  const base = await startFakeServer((req): FakeAnswer => {
    if (req.headers.authorization !== `Bearer ${token}`) return { status: 401, body: ERROR_401 }
    const path = req.url.pathname
    if (req.method === 'POST' && path === '/crm/v3/objects/deals/search') {
      if (!searchWindow.take()) {
        limited.search++
        return {
          status: 429,
          body: { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', correlationId: cid() },
          headers: retryAfter,
        }
      }
      return search(JSON.parse(req.body))
    }
    if (!burstWindow.take()) {
      limited.burst++
      return {
        status: 429,
        body: {
          status: 'error',
          message: 'You have reached your ten_secondly_rolling limit.',
          errorType: 'RATE_LIMIT',
          correlationId: cid(),
          policyName: 'TEN_SECONDLY_ROLLING',
        },
        headers: {
          'x-hubspot-ratelimit-interval-milliseconds': '10000',
          'x-hubspot-ratelimit-max': String(options.burstPerTenSeconds),
          'x-hubspot-ratelimit-remaining': '0',
          ...retryAfter,
        },
      }
    }
    const rate = { 'x-hubspot-ratelimit-remaining': String(burstWindow.remaining()), 'x-hubspot-ratelimit-interval-milliseconds': '10000' }
    if (req.method === 'POST' && path === '/crm/v3/objects/deals/batch/read') return { ...batchRead(JSON.parse(req.body)), headers: rate }
    if (req.method === 'GET' && path === '/crm/v3/objects/deals') return { ...listDeals(req.url.searchParams), headers: rate }
    if (req.method === 'GET' && path === '/crm/v3/pipelines/deals') return { status: 200, body: pipelines(stages), headers: rate }
    if (req.method === 'GET' && path.replace(/\/$/, '') === '/crm/v3/owners') return { ...listOwners(req.url.searchParams), headers: rate }
    return { status: 404, body: { status: 'error', message: `Unknown path ${path}`, category: 'OBJECT_NOT_FOUND', correlationId: cid() } }
  })

  function search(body: {
    filterGroups?: Array<{ filters: Array<{ propertyName: string; operator: string; value?: string }> }>
    sorts?: Array<{ propertyName: string; direction?: string } | string>
    properties?: string[]
    limit?: number
    after?: string
  }): FakeAnswer {
    const limit = body.limit ?? 10
    const after = Number(body.after ?? '0')
    if (limit > 200) return validation('limit must be at most 200')
    // HubSpot's filter limits (changelog 2024-08-26): 5 groups, 10 filters in a group, 25 in all.
    const groupSizes = (body.filterGroups ?? []).map((g) => g.filters.length)
    if (groupSizes.length > 5 || groupSizes.some((n) => n > 10) || groupSizes.reduce((a, n) => a + n, 0) > 25) {
      return validation('Too many filters: at most 5 filterGroups, 10 filters in a group and 25 filters in all.')
    }
    if (after + limit > SEARCH_CAP) {
      return validation(`Paging past ${SEARCH_CAP} results is not supported for search (after=${after}, limit=${limit}).`)
    }
    const groups = body.filterGroups ?? []
    const sort = body.sorts?.[0]
    const sortBy = typeof sort === 'string' ? sort : (sort?.propertyName ?? 'hs_object_id')
    const desc = typeof sort === 'object' && sort.direction === 'DESCENDING'
    let matched = byTs().filter((d) => groups.length === 0 || groups.some((g) => g.filters.every((f) => matches(d, f))))
    if (sortBy === 'hs_object_id') matched = [...matched].sort((a, b) => Number(a.id) - Number(b.id))
    else if (sortBy !== 'hs_lastmodifieddate')
      matched = [...matched].sort((a, b) => String(a.properties[sortBy]).localeCompare(String(b.properties[sortBy])))
    if (desc) matched = [...matched].reverse()
    const page = matched.slice(after, after + limit)
    const props =
      body.properties && body.properties.length > 0 ? body.properties : ['dealname', 'amount', 'closedate', 'pipeline', 'dealstage']
    const next =
      after + limit < matched.length ? { paging: { next: { after: String(after + limit), link: '?after=' + String(after + limit) } } } : {}
    return { status: 200, body: { total: matched.length, results: page.map((d) => view(d, props)), ...next } }
  }

  function batchRead(body: { inputs: Array<{ id: string }>; properties?: string[]; propertiesWithHistory?: string[] }): FakeAnswer {
    const withHistory = (body.propertiesWithHistory ?? []).length > 0
    if (body.inputs.length > (withHistory ? 50 : 100)) {
      return validation(`Batch read takes at most ${withHistory ? 50 : 100} inputs${withHistory ? ' with propertiesWithHistory' : ''}.`)
    }
    const results = []
    const missing: string[] = []
    for (const { id } of body.inputs) {
      batchReadIds.push(id)
      const d = deals.get(id)
      if (!d || d.archived) {
        missing.push(id)
        continue
      }
      const v = view(d, body.properties ?? [])
      if (withHistory && !d.withoutHistory) {
        Object.assign(v, {
          propertiesWithHistory: {
            dealstage: [...d.history]
              .reverse()
              .map((h) => ({ value: h.value, timestamp: h.timestamp, sourceType: 'CRM_UI', sourceId: 'userId:9912345' })),
          },
        })
      }
      results.push(v)
    }
    const t = new Date(now()).toISOString()
    const errors =
      missing.length > 0
        ? {
            numErrors: 1,
            errors: [
              {
                status: 'error',
                category: 'OBJECT_NOT_FOUND',
                message: 'Could not get some DEAL objects, they may be deleted or not exist.',
                context: { ids: missing },
              },
            ],
          }
        : {}
    return { status: missing.length > 0 ? 207 : 200, body: { status: 'COMPLETE', results, ...errors, startedAt: t, completedAt: t } }
  }

  function listDeals(q: URLSearchParams): FakeAnswer {
    const archived = q.get('archived') === 'true'
    const limit = Math.min(100, Number(q.get('limit') ?? '10'))
    const after = q.get('after')
    const all = [...deals.values()].filter((d) => d.archived === archived).sort((a, b) => Number(a.id) - Number(b.id))
    const from = after === null ? 0 : all.findIndex((d) => Number(d.id) >= Number(after))
    const page = from < 0 ? [] : all.slice(from, from + limit)
    const nextDeal = from < 0 ? undefined : all[from + limit]
    const props = (q.get('properties') ?? '').split(',').filter(Boolean)
    return {
      status: 200,
      body: {
        results: page.map((d) => ({ ...view(d, props), ...(d.archivedAt ? { archivedAt: d.archivedAt } : {}) })),
        ...(nextDeal ? { paging: { next: { after: nextDeal.id, link: `?after=${nextDeal.id}` } } } : {}),
      },
    }
  }

  function listOwners(q: URLSearchParams): FakeAnswer {
    const archived = q.get('archived') === 'true'
    const limit = Math.min(500, Number(q.get('limit') ?? '100'))
    const from = Number(q.get('after') ?? '0')
    const all = owners.filter((o) => o.archived === archived)
    const page = all.slice(from, from + limit)
    const t = '2024-01-09T08:30:00.000Z'
    return {
      status: 200,
      body: {
        results: page.map((o) => ({ ...o, type: 'PERSON', userId: Number(o.id), createdAt: t, updatedAt: t })),
        ...(from + limit < all.length ? { paging: { next: { after: String(from + limit) } } } : {}),
      },
    }
  }

  function view(d: FakeHubspotDeal, props: readonly string[]) {
    const properties: Record<string, string | null> = {}
    for (const p of [...ALWAYS, ...props]) properties[p] = d.properties[p] ?? null
    properties.hs_object_id = d.id
    return { id: d.id, properties, createdAt: d.createdAt, updatedAt: d.properties.hs_lastmodifieddate, archived: d.archived }
  }

  const fake: HubspotFake = Object.assign(base, {
    token,
    deals,
    owners,
    limited,
    batchReadIds,
    updateDeal(id: string, changes: Record<string, string | null>, at = now()) {
      const d = deals.get(id)
      if (!d) throw new Error(`no deal ${id}`)
      const stamp = new Date(at).toISOString()
      if (changes.dealstage && changes.dealstage !== d.properties.dealstage) {
        d.history.push({ value: changes.dealstage, timestamp: stamp })
        const stage = DEFAULT_PIPELINE_STAGES.find((s) => s.id === changes.dealstage)
        d.properties.hs_is_closed = String(stage?.isClosed ?? false)
        d.properties.hs_is_closed_won = String(stage?.id === 'closedwon')
      }
      Object.assign(d.properties, changes, { hs_lastmodifieddate: stamp })
      sorted = undefined
    },
    addDeal(deal: FakeHubspotDeal) {
      deals.set(deal.id, deal)
      sorted = undefined
    },
    archiveDeal(id: string, at = now()) {
      const d = deals.get(id)
      if (!d) throw new Error(`no deal ${id}`)
      d.archived = true
      d.archivedAt = new Date(at).toISOString()
      sorted = undefined
    },
    relabelStage(id: string, label: string) {
      const stage = stages.find((s) => s.id === id)
      if (!stage) throw new Error(`no stage ${id}`)
      stage.label = label
    },
  })
  return fake
}

function matches(d: FakeHubspotDeal, f: { propertyName: string; operator: string; value?: string }): boolean {
  const numeric = f.propertyName === 'hs_lastmodifieddate' || f.propertyName === 'hs_object_id' || f.propertyName === 'createdate'
  const raw = f.propertyName === 'hs_object_id' ? d.id : (d.properties[f.propertyName] ?? null)
  if (raw === null) return f.operator === 'NOT_HAS_PROPERTY'
  if (f.operator === 'HAS_PROPERTY') return true
  const a = numeric ? toNumber(raw) : raw
  const b = numeric ? toNumber(f.value ?? '') : (f.value ?? '')
  switch (f.operator) {
    case 'EQ':
      return a === b
    case 'NEQ':
      return a !== b
    case 'GT':
      return a > b
    case 'GTE':
      return a >= b
    case 'LT':
      return a < b
    case 'LTE':
      return a <= b
    default:
      return false
  }
}

function toNumber(v: string): number {
  return /^\d+$/.test(v) ? Number(v) : Date.parse(v)
}

function tsOf(d: FakeHubspotDeal): number {
  return toNumber(d.properties.hs_lastmodifieddate ?? '0')
}

function validation(message: string): FakeAnswer {
  return { status: 400, body: { status: 'error', message, correlationId: cid(), category: 'VALIDATION_ERROR' } }
}

let correlation = 0
function cid(): string {
  return `00000000-0000-4000-8000-${String(++correlation).padStart(12, '0')}`
}

const ERROR_401 = {
  status: 'error',
  message:
    'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
  correlationId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
  category: 'INVALID_AUTHENTICATION',
}

/** A stage of the fake's pipeline. */
interface FakeStage {
  id: string
  label: string
  isClosed: boolean
  probability: string
}

function pipelines(stages: readonly FakeStage[]) {
  const t = '1970-01-01T00:00:00Z'
  return {
    results: [
      {
        id: 'default',
        label: 'Sales Pipeline',
        displayOrder: 0,
        archived: false,
        createdAt: t,
        updatedAt: '2023-09-12T10:11:12.000Z',
        stages: stages.map((s, i) => ({
          id: s.id,
          label: s.label,
          displayOrder: i,
          metadata: { isClosed: String(s.isClosed), probability: s.probability },
          createdAt: t,
          updatedAt: '2023-09-12T10:11:12.000Z',
          archived: false,
          writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
        })),
      },
    ],
  }
}

/** Four owners, one of them archived (a rep who left but still owns deals). */
export function defaultOwners(): FakeHubspotOwner[] {
  return [
    { id: '61234501', email: 'Ana.Ruiz@example.com', firstName: 'Ana', lastName: 'Ruiz', archived: false },
    { id: '61234502', email: 'bo.chen@example.com', firstName: 'Bo', lastName: 'Chen', archived: false },
    { id: '61234503', email: 'cy.diaz@example.com', firstName: 'Cy', lastName: 'Diaz', archived: false },
    { id: '61234504', email: 'di.evans@example.com', firstName: 'Di', lastName: 'Evans', archived: true },
  ]
}

/** Options of {@link generateHubspotDeals}. */
export interface GenerateOptions {
  seed?: number
  /** `hs_lastmodifieddate` of the first deal (epoch ms). */
  firstModified?: number
  /** Mean ms between consecutive modifications; 1 in `tieEvery` deals shares its predecessor's ms. */
  stepMs?: number
  tieEvery?: number
  firstId?: number
}

const REGIONS = ['EMEA', 'NA', 'APAC', 'LATAM']
const INDUSTRIES = ['SaaS', 'FinTech', 'Retail', 'Health']
const TYPES = ['newbusiness', 'existingbusiness']
const LEAD_SOURCES = ['ORGANIC_SEARCH', 'PAID_SEARCH', 'REFERRALS', 'DIRECT_TRAFFIC']

/**
 * Deterministic deals moving through the default pipeline (some re-entering an earlier stage),
 * a third of them won or lost, modified in ascending order with some millisecond ties.
 */
export function generateHubspotDeals(count: number, options: GenerateOptions = {}): FakeHubspotDeal[] {
  const rand = seededRandom(options.seed ?? 1)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T
  let modified = options.firstModified ?? Date.UTC(2024, 4, 1)
  const step = options.stepMs ?? 1000
  const tieEvery = options.tieEvery ?? 25
  const owners = defaultOwners()
  const out: FakeHubspotDeal[] = []
  for (let i = 0; i < count; i++) {
    if (i > 0 && rand() * tieEvery >= 1) modified += 1 + Math.floor(rand() * step * 2)
    // Stage steps first, then the creation date far enough back that the last step precedes `modified`.
    const steps: Array<{ value: string; gap: number }> = []
    let at = 0
    const depth = 1 + Math.floor(rand() * 5)
    for (let s = 1; s < depth; s++) {
      if (rand() < 0.1 && at > 0)
        at -= 1 // a step back: the deal re-enters an earlier stage
      else at = Math.min(at + 1, 4)
      steps.push({ value: (DEFAULT_PIPELINE_STAGES[at] as { id: string }).id, gap: Math.floor((1 + rand() * 15) * 86_400_000) })
    }
    const r = rand()
    const close = r < 0.2 ? 'closedwon' : r < 0.4 ? 'closedlost' : null
    if (close) steps.push({ value: close, gap: Math.floor((1 + rand() * 10) * 86_400_000) })
    const span = steps.reduce((sum, s) => sum + s.gap, 0)
    const created = modified - span - Math.floor((1 + rand() * 60) * 86_400_000)
    let t = created
    const history: FakeHubspotDeal['history'] = [{ value: DEFAULT_PIPELINE_STAGES[0].id, timestamp: new Date(t).toISOString() }]
    for (const s of steps) {
      t += s.gap
      history.push({ value: s.value, timestamp: new Date(t).toISOString() })
    }
    const collapsed = history.filter((h, k) => k === 0 || h.value !== (history[k - 1] as { value: string }).value)
    const stage = (collapsed[collapsed.length - 1] as { value: string }).value
    const owner = pick(owners)
    const id = String((options.firstId ?? 18_000_000_000) + i)
    out.push({
      id,
      createdAt: new Date(created).toISOString(),
      archived: false,
      history: collapsed,
      properties: {
        dealname: `Deal ${id}`,
        amount: String(Math.round(1000 + rand() * 150_000)),
        dealstage: stage,
        pipeline: 'default',
        closedate: close ? new Date(t).toISOString() : new Date(modified + 30 * 86_400_000).toISOString(),
        createdate: new Date(created).toISOString(),
        hubspot_owner_id: rand() < 0.03 ? null : owner.id,
        hs_lastmodifieddate: new Date(modified).toISOString(),
        hs_is_closed: String(close !== null),
        hs_is_closed_won: String(close === 'closedwon'),
        notes_last_updated: rand() < 0.8 ? new Date(modified - Math.floor(rand() * 20 * 86_400_000)).toISOString() : null,
        deal_currency_code: 'USD',
        region: pick(REGIONS),
        industry: pick(INDUSTRIES),
        dealtype: pick(TYPES),
        hs_analytics_source: pick(LEAD_SOURCES),
      },
    })
  }
  return out
}

/** A response the fake answers with instead of its own (re-exported for the tests that queue them). */
export type { CannedResponse }
