import { type FakeAnswer, type FakeServerBase, startFakeServer } from '../fakes/crm-fake-server.js'

/**
 * A second, deliberately different fake HubSpot, written only from the documented wire formats
 * (docs/reference crm.md and its fixtures), the way someone else's test server would be: opaque
 * `after` cursors, its own page size, `null` where ours leaves a field out, the stage history
 * newest first, and switches for servers that apply less of the request than HubSpot does.
 */
export interface DocsHubspotDeal {
  id: string
  properties: Record<string, string | null>
  /** `dealstage` history, oldest first (served newest first, as in the fixtures). */
  history: Array<{ value: string; timestamp: string }>
}

/** How this fake differs from HubSpot or from our own fake. */
export interface DocsHubspotOptions {
  token?: string
  deals: DocsHubspotDeal[]
  /** At most this many results a page, whatever `limit` asks (default 200). */
  pageSize?: number
  /** Apply `filterGroups` (default true); false answers every search with all deals (a fixture-fed fake). */
  applyFilters?: boolean
  /** Apply `sorts` (default true); false answers in the order `deals` are listed (a fake that ignores sorts). */
  applySorts?: boolean
  /** `paging` on a last page: left out (default) or `null`. */
  lastPaging?: 'absent' | 'null'
  /** Deal ids listed as archived. */
  archived?: string[]
  /** Stage metadata with `probability` only (the one key the spec requires), no `isClosed`. */
  probabilityOnly?: boolean
  /** Pipelines after the default one: `[stageId, label, isClosed, probability]` per stage. */
  extraPipelines?: Array<{
    id: string
    label: string
    archived?: boolean
    stages: ReadonlyArray<readonly [string, string, string, string]>
  }>
  /** Active owners (default: two, one without an email). */
  owners?: Array<{ id: string; email: string | null; firstName: string | null; lastName: string | null }>
  /**
   * Ids, numbers, flags and epoch-millisecond dates written as JSON numbers and booleans
   * (`"amount": 1000`, `"hs_is_closed": true`, `"timestamp": 1714550621120`, `"probability": 0.2`),
   * as older APIs, exports and proxies write them, instead of HubSpot's strings.
   */
  jsonNumbers?: boolean
  /** The search page at offset `at` names offset `to` as the next one (paging that loops back when `to` is not past `at`). */
  rewind?: { at: number; to: number }
  /** Archived owners (`archived=true`), none by default. */
  archivedOwners?: Array<{ id: string; email: string | null; firstName: string | null; lastName: string | null }>
}

/** The running docs-style fake. */
export interface DocsHubspotFake extends FakeServerBase {
  readonly token: string
  options: DocsHubspotOptions
  /** Search request bodies, in order. */
  readonly searches: Array<Record<string, unknown>>
}

const PIPELINE_STAGES = [
  ['appointmentscheduled', 'Appointment Scheduled', 'false', '0.2'],
  ['qualifiedtobuy', 'Qualified To Buy', 'false', '0.4'],
  ['contractsent', 'Contract Sent', 'false', '0.9'],
  ['closedwon', 'Closed Won', 'true', '1.0'],
  ['closedlost', 'Closed Lost', 'true', '0.0'],
] as const

/** Starts the docs-style fake; `options` may be replaced between syncs. */
export async function startDocsHubspotFake(initial: DocsHubspotOptions): Promise<DocsHubspotFake> {
  const token = initial.token ?? 'pat-na1-docs-fake'
  const searches: Array<Record<string, unknown>> = []
  const state = { options: initial }
  const opaque = (n: number) => Buffer.from(`offset:${n}`).toString('base64url')
  const offsetOf = (after: unknown) =>
    typeof after === 'string' && after !== '' ? Number(Buffer.from(after, 'base64url').toString().slice(7)) || 0 : 0
  const tsOf = (v: string | null | undefined) => (v == null ? 0 : /^\d+$/.test(v) ? Number(v) : Date.parse(v))
  const lastPage = () => (state.options.lastPaging === 'null' ? { paging: null } : {})
  // With `jsonNumbers`: a numeric text as a JSON number, "true"/"false" as a boolean.
  const json = (v: string | null | undefined): unknown =>
    !state.options.jsonNumbers || v == null ? v : v === 'true' || v === 'false' ? v === 'true' : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v
  const jsonProps = (props: Record<string, string | null>) => Object.fromEntries(Object.entries(props).map(([k, v]) => [k, json(v)]))

  const base = await startFakeServer((req): FakeAnswer => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      return {
        status: 401,
        body: {
          status: 'error',
          message: 'Authentication credentials not found.',
          correlationId: 'c-401',
          category: 'INVALID_AUTHENTICATION',
        },
      }
    }
    const o = state.options
    const size = o.pageSize ?? 200
    const path = req.url.pathname
    const live = () => o.deals.filter((d) => !(o.archived ?? []).includes(d.id))

    if (req.method === 'POST' && path === '/crm/v3/objects/deals/search') {
      const body = JSON.parse(req.body) as {
        filterGroups?: Array<{ filters: Array<{ propertyName: string; operator: string; value?: string }> }>
        sorts?: Array<{ propertyName: string } | string>
        limit?: number
        after?: string
        properties?: string[]
      }
      searches.push(body)
      const sort = body.sorts?.[0]
      const sortBy = typeof sort === 'string' ? sort : (sort?.propertyName ?? 'hs_lastmodifieddate')
      const value = (d: DocsHubspotDeal, p: string) => (p === 'hs_object_id' ? Number(d.id) : tsOf(d.properties[p]))
      let rows = live()
      if (o.applyFilters !== false && body.filterGroups && body.filterGroups.length > 0) {
        rows = rows.filter((d) =>
          body.filterGroups?.some((g) =>
            g.filters.every((f) => {
              // A text property (`pipeline`) is matched as written.
              if (f.propertyName === 'pipeline') return f.operator === 'EQ' && d.properties.pipeline === f.value
              const a = value(d, f.propertyName)
              const b = f.propertyName === 'hs_object_id' ? Number(f.value) : tsOf(f.value)
              return f.operator === 'EQ'
                ? a === b
                : f.operator === 'GT'
                  ? a > b
                  : f.operator === 'GTE'
                    ? a >= b
                    : f.operator === 'LT'
                      ? a < b
                      : a <= b
            }),
          ),
        )
      }
      if (o.applySorts !== false) rows = [...rows].sort((x, y) => value(x, sortBy) - value(y, sortBy) || Number(x.id) - Number(y.id))
      const from = offsetOf(body.after)
      const n = Math.min(size, body.limit ?? 10)
      const page = rows.slice(from, from + n)
      return {
        status: 200,
        body: {
          total: rows.length,
          results: page.map((d) => ({
            archived: false,
            updatedAt: json(d.properties.hs_lastmodifieddate),
            properties: jsonProps({ hs_object_id: d.id, ...pick(d.properties, body.properties ?? []) }),
            id: json(d.id),
          })),
          ...(from + n < rows.length
            ? {
                paging: {
                  next: {
                    link: 'https://api.hubapi.com/crm/v3/objects/deals/search',
                    after: opaque(o.rewind?.at === from ? o.rewind.to : from + n),
                  },
                },
              }
            : lastPage()),
        },
      }
    }
    if (req.method === 'POST' && path === '/crm/v3/objects/deals/batch/read') {
      const body = JSON.parse(req.body) as { inputs: Array<{ id: string }>; properties: string[]; propertiesWithHistory?: string[] }
      const results = body.inputs.flatMap(({ id }) => {
        const d = live().find((x) => x.id === id)
        if (!d) return []
        return [
          {
            id: json(d.id),
            properties: jsonProps(pick(d.properties, body.properties)),
            propertiesWithHistory: {
              dealstage: [...d.history].reverse().map((h) => ({
                value: h.value,
                timestamp: json(h.timestamp),
                sourceType: 'CRM_UI',
                sourceId: null,
                updatedByUserId: null,
              })),
            },
            createdAt: json(d.properties.createdate),
            updatedAt: json(d.properties.hs_lastmodifieddate),
            archived: false,
            archivedAt: null,
            url: null,
          },
        ]
      })
      return {
        status: 200,
        body: {
          status: 'COMPLETE',
          results,
          startedAt: '2024-05-02T06:00:01.120Z',
          completedAt: '2024-05-02T06:00:01.245Z',
          requestedAt: null,
          links: null,
        },
      }
    }
    if (req.method === 'GET' && path === '/crm/v3/objects/deals') {
      const ids = req.url.searchParams.get('archived') === 'true' ? (o.archived ?? []) : []
      const from = offsetOf(req.url.searchParams.get('after'))
      const page = ids.slice(from, from + 1)
      return {
        status: 200,
        body: {
          results: page.map((id) => ({
            id,
            properties: { hs_object_id: id },
            createdAt: null,
            updatedAt: null,
            archived: true,
            archivedAt: '2024-05-10T00:00:00Z',
          })),
          ...(from + 1 < ids.length ? { paging: { next: { after: opaque(from + 1) } } } : lastPage()),
        },
      }
    }
    if (req.method === 'GET' && path === '/crm/v3/pipelines/deals') {
      return {
        status: 200,
        body: {
          results: [
            ...[{ id: 'default', label: 'Sales Pipeline', archived: false, stages: PIPELINE_STAGES }, ...(o.extraPipelines ?? [])].map(
              (p, n) => ({
                stages: p.stages.map(([id, label, isClosed, probability], i) => ({
                  label,
                  displayOrder: i,
                  metadata: o.probabilityOnly
                    ? { probability: json(probability) }
                    : { probability: json(probability), isClosed: json(isClosed) },
                  id,
                  archived: false,
                  archivedAt: null,
                  createdAt: '1970-01-01T00:00:00Z',
                  updatedAt: '2023-09-12T10:11:12.000Z',
                })),
                label: p.label,
                displayOrder: n,
                id: p.id,
                archived: p.archived ?? false,
                createdAt: '1970-01-01T00:00:00Z',
                updatedAt: '2023-09-12T10:11:12.000Z',
              }),
            ),
          ],
        },
      }
    }
    if (req.method === 'GET' && path === '/crm/v3/owners') {
      const isArchived = req.url.searchParams.get('archived') === 'true'
      const owners = isArchived
        ? (o.archivedOwners ?? [])
        : (o.owners ?? [
            { id: '61234501', email: 'ana.ruiz@example.com', firstName: 'Ana', lastName: 'Ruiz' },
            { id: '61234502', email: null, firstName: null, lastName: 'Chen' },
          ])
      const from = offsetOf(req.url.searchParams.get('after'))
      return {
        status: 200,
        body: {
          results: owners
            .slice(from, from + 1)
            .map((x) => ({ ...x, id: json(x.id), type: 'PERSON', userId: 9912345, teams: [], archived: isArchived })),
          ...(from + 1 < owners.length ? { paging: { next: { after: opaque(from + 1), link: null } } } : lastPage()),
        },
      }
    }
    return { status: 404, body: { status: 'error', message: 'not found', correlationId: 'c-404', category: 'OBJECT_NOT_FOUND' } }
  })
  const fake = Object.assign(base, { token, searches }) as DocsHubspotFake
  Object.defineProperty(fake, 'options', {
    get: () => state.options,
    set: (value: DocsHubspotOptions) => {
      state.options = value
    },
  })
  return fake
}

/** The requested properties a deal has; HubSpot sends `null` for a requested property without a value. */
function pick(properties: Record<string, string | null>, names: readonly string[]): Record<string, string | null> {
  const out: Record<string, string | null> = {}
  for (const n of names) out[n] = properties[n] ?? null
  return out
}

/** `count` deals in the default pipeline, modified `stepMs` apart from `first` (epoch ms), dates as epoch-ms strings when `epoch`. */
export function docsDeals(
  count: number,
  options: { first?: number; stepMs?: number; epoch?: boolean; firstId?: number } = {},
): DocsHubspotDeal[] {
  const first = options.first ?? Date.UTC(2024, 4, 1, 8)
  const when = (ms: number) => (options.epoch ? String(ms) : new Date(ms).toISOString())
  return Array.from({ length: count }, (_, i) => {
    const modified = first + i * (options.stepMs ?? 1000)
    const created = modified - 20 * 86_400_000
    const qualified = created + 5 * 86_400_000
    const won = i % 3 === 0
    const id = String((options.firstId ?? 18_234_567_000) + i)
    return {
      id,
      history: [
        { value: 'appointmentscheduled', timestamp: when(created) },
        { value: 'qualifiedtobuy', timestamp: when(qualified) },
        ...(won ? [{ value: 'closedwon', timestamp: when(modified - 1000) }] : []),
      ],
      properties: {
        dealname: `Deal ${id}`,
        amount: i % 4 === 1 ? '' : i % 4 === 2 ? null : String(1000 + i),
        dealstage: won ? 'closedwon' : 'qualifiedtobuy',
        pipeline: 'default',
        closedate: won ? when(modified - 1000) : null,
        createdate: when(created),
        hubspot_owner_id: i % 2 === 0 ? '61234501' : '61234502',
        hs_lastmodifieddate: when(modified),
        hs_is_closed: String(won),
        hs_is_closed_won: String(won),
        notes_last_updated: null,
      },
    }
  })
}
