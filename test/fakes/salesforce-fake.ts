import { seededRandom } from '../../src/domain/seeded-random.js'
import { type FakeAnswer, type FakeServerBase, slidingWindow, startFakeServer } from './crm-fake-server.js'

/** One `OpportunityHistory` row (a row is written on every stage, amount, probability or close date change). */
export interface FakeHistoryRow {
  Id: string
  StageName: string
  Amount: number | null
  CloseDate: string
  CreatedDate: string
  /** The Amount and CloseDate the change found; left out, the row before's (in `history`, the order written). */
  PrevAmount?: number | null
  PrevCloseDate?: string | null
}

/** The rows of `history` with `PrevAmount` and `PrevCloseDate`, as Salesforce returns them (null on the first row). */
function withPrev(history: readonly FakeHistoryRow[]): FakeHistoryRow[] {
  return history.map((h, i) => ({
    ...h,
    PrevAmount: h.PrevAmount !== undefined ? h.PrevAmount : (history[i - 1]?.Amount ?? null),
    PrevCloseDate: h.PrevCloseDate !== undefined ? h.PrevCloseDate : (history[i - 1]?.CloseDate ?? null),
  }))
}

/** An Opportunity as the fake Salesforce holds it (datetimes in Salesforce's `+0000` form). */
export interface FakeOpportunity {
  Id: string
  Name: string
  Amount: number | null
  StageName: string
  CloseDate: string
  CreatedDate: string
  IsClosed: boolean
  IsWon: boolean
  OwnerId: string
  LastActivityDate: string | null
  LastModifiedDate: string
  SystemModstamp: string
  Type: string | null
  LeadSource: string | null
  AccountId: string | null
  IsDeleted: boolean
  /** Set in a multi-currency org only: the field does not exist in a single-currency one. */
  CurrencyIsoCode?: string
  /**
   * When the stage last changed; left out, the `CreatedDate` of the last history row that
   * changed the stage (null without history), as Salesforce keeps it.
   */
  LastStageChangeDate?: string | null
  history: FakeHistoryRow[]
}

/** `LastStageChangeDate` of `o`: its own, else when its history last moved its stage. */
export function lastStageChangeOf(o: FakeOpportunity): string | null {
  if (o.LastStageChangeDate !== undefined) return o.LastStageChangeDate
  let at: string | null = null
  o.history.forEach((h, i) => {
    if (i === 0 || h.StageName !== o.history[i - 1]?.StageName) at = h.CreatedDate
  })
  return at
}

/** The org's stages (`OpportunityStage`). */
export const FAKE_STAGES = [
  { ApiName: 'Prospecting', SortOrder: 1, IsClosed: false, IsWon: false },
  { ApiName: 'Qualification', SortOrder: 2, IsClosed: false, IsWon: false },
  { ApiName: 'Proposal/Price Quote', SortOrder: 7, IsClosed: false, IsWon: false },
  { ApiName: 'Negotiation/Review', SortOrder: 8, IsClosed: false, IsWon: false },
  { ApiName: 'Closed Won', SortOrder: 9, IsClosed: true, IsWon: true },
  { ApiName: 'Closed Lost', SortOrder: 10, IsClosed: true, IsWon: false },
] as const

/** Users (the opportunities' owners, with their emails). */
export const FAKE_USERS = [
  { Id: '005XX000001SvogYAC', Email: 'ana.ruiz@example.com', Name: 'Ana Ruiz' },
  { Id: '005XX000001SvohYAC', Email: 'Bo.Chen@example.com', Name: 'Bo Chen' },
  { Id: '005XX000001SvoiYAC', Email: 'cy.diaz@example.com', Name: 'Cy Diaz' },
]
/** An Account as the fake Salesforce holds it. */
export interface FakeAccount {
  Id: string
  Industry: string | null
  BillingCountry: string | null
  SystemModstamp: string
}

/** Accounts the opportunities belong to (segment fields read through `Account.*`); each fake org starts with a copy. */
export const FAKE_ACCOUNTS: readonly FakeAccount[] = [
  { Id: '001XX000003DHPhYAO', Industry: 'Technology', BillingCountry: 'Germany', SystemModstamp: '2024-01-15T10:00:00.000+0000' },
  { Id: '001XX000003DHPiYAO', Industry: 'Manufacturing', BillingCountry: 'United States', SystemModstamp: '2024-01-15T10:00:00.000+0000' },
  { Id: '001XX000003DHPjYAO', Industry: null, BillingCountry: 'Japan', SystemModstamp: '2024-01-15T10:00:00.000+0000' },
]

/** Options of {@link startSalesforceFake}. */
export interface SalesforceFakeOptions {
  clientId?: string
  clientSecret?: string
  opportunities?: FakeOpportunity[]
  /** Records per query batch (Salesforce: up to 2,000). */
  batchSize?: number
  /** Requests allowed per second (default unlimited); beyond: 403 REQUEST_LIMIT_EXCEEDED. */
  requestsPerSecond?: number
  /** The time stamped on modifications (default Date.now). */
  now?: () => number
  /** `array`: answer the `OpportunityHistories` subquery with a bare array of rows, not Salesforce's `{ totalSize, done, records }`. */
  historyAnswer?: 'page' | 'array'
  /** Opportunity fields left out of every record though selected (`IsClosed`, `IsWon`), as a loose server or proxy may. */
  omitFields?: readonly string[]
  /** sObjects the Run As user may not read: queries of them (and of their child relationship) answer 400 INVALID_TYPE. */
  unreadable?: readonly string[]
  /** Leave out what the sync need not read, as a loose server may: the token's `instance_url`, each page's `totalSize`. */
  loose?: boolean
  /** Write the opportunities' checkbox fields (`IsClosed`, `IsWon`, `IsDeleted`) as text, `"true"`, as a proxy may. */
  flagsAsText?: boolean
  /**
   * Opportunity fields the org (or API version) does not have (`LastStageChangeDate`): its describe
   * leaves them out, and a query naming them answers 400 `INVALID_FIELD`.
   */
  lacks?: readonly string[]
  /** Answer `sobjects/Opportunity/describe` with 404 `NOT_FOUND`, as a server that does not describe. */
  noDescribe?: boolean
}

/** The fake Salesforce org and helpers to change it mid-test. */
export interface SalesforceFake extends FakeServerBase {
  readonly clientId: string
  readonly clientSecret: string
  readonly opportunities: Map<string, FakeOpportunity>
  /** The org's accounts (a copy of {@link FAKE_ACCOUNTS}). */
  readonly accounts: Map<string, FakeAccount>
  /** Refusals for the request limit. */
  readonly limited: { count: number }
  /** Tokens minted so far (`issued.tokens`). */
  readonly issued: { tokens: number }
  /** Invalidates every token issued so far (the next call answers 401 INVALID_SESSION_ID). */
  expireSessions(): void
  /** Gives the org a field it was started without (`lacks`), as an admin enabling it (or a newer API version) does. */
  gainField(name: string): void
  /** Renders every record `soql` selects ahead of time (a benchmark's server should not be the bottleneck). */
  prerender(soql: string): void
  /** Changes fields and stamps `SystemModstamp` now; stage, amount and close date changes write a history row. */
  updateOpportunity(id: string, changes: Partial<Pick<FakeOpportunity, 'StageName' | 'Amount' | 'CloseDate' | 'Name'>>, at?: number): void
  deleteOpportunity(id: string, at?: number): void
  addOpportunity(o: FakeOpportunity): void
  /**
   * Changes an account's fields and stamps its `SystemModstamp`; as in Salesforce, its
   * opportunities (a lookup, not a master-detail child) keep their own `SystemModstamp`.
   */
  updateAccount(id: string, changes: Partial<Pick<FakeAccount, 'Industry' | 'BillingCountry'>>, at?: number): void
}

const VERSION = 'v66.0'
const OPPORTUNITY_FIELDS = [
  'Id',
  'Name',
  'Amount',
  'StageName',
  'CloseDate',
  'CreatedDate',
  'IsClosed',
  'IsWon',
  'OwnerId',
  'LastActivityDate',
  'LastModifiedDate',
  'SystemModstamp',
  'Type',
  'LeadSource',
  'AccountId',
  'IsDeleted',
  'LastStageChangeDate',
]

/**
 * Starts a fake Salesforce on a local port: the client-credentials token endpoint, `query` and
 * `queryAll` with a small SOQL reader (select lists with `Owner.*`/`Account.*` parents and the
 * `OpportunityHistories` child subquery, `AND`-ed comparisons, `ORDER BY`), cursors paged through
 * `nextRecordsUrl`, 401 `INVALID_SESSION_ID` for an unknown or expired token, 400 `INVALID_FIELD`
 * for an unknown column, and 403 `REQUEST_LIMIT_EXCEEDED` beyond the request limit; `sobjects/Opportunity/describe`
 * lists `CurrencyIsoCode` when the opportunities carry one (a multi-currency org).
 */
export async function startSalesforceFake(options: SalesforceFakeOptions = {}): Promise<SalesforceFake> {
  const clientId = options.clientId ?? '3MVG9fake.client.id'
  const clientSecret = options.clientSecret ?? 'fake-client-secret'
  const now = options.now ?? Date.now
  const batchSize = options.batchSize ?? 2000
  const opportunities = new Map((options.opportunities ?? []).map((o) => [o.Id, o]))
  const accounts = new Map(FAKE_ACCOUNTS.map((a) => [a.Id, { ...a }]))
  const window = slidingWindow(options.requestsPerSecond ?? Number.POSITIVE_INFINITY, 1000, Date.now)
  const limited = { count: 0 }
  const valid = new Set<string>()
  // A cursor keeps the matching rows; each page is rendered when asked for, as a server would.
  const cursors = new Map<string, { rows: unknown[]; render: (row: unknown) => string }>()
  // Rendered record JSON by select-list shape, then by id (with the version it was rendered at).
  const rendered = new Map<string, Map<string, { version: string; text: string }>>()
  const issued = { tokens: 0 }
  const lacks = new Set((options.lacks ?? []).map((f) => f.toLowerCase()))
  let cursorSeq = 0
  let url = ''

  const base = await startFakeServer((req): FakeAnswer => {
    const path = req.url.pathname
    if (!window.take()) {
      limited.count++
      return { status: 403, body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] }
    }
    if (req.method === 'POST' && path === '/services/oauth2/token') {
      const form = new URLSearchParams(req.body)
      if (form.get('grant_type') !== 'client_credentials') {
        return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'grant type not supported' } }
      }
      if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
        return { status: 400, body: { error: 'invalid_client', error_description: 'invalid client credentials' } }
      }
      const token = `00DXX0000008abc!AQ0AQFake${++issued.tokens}`
      valid.add(token)
      return {
        status: 200,
        body: {
          access_token: token,
          signature: 'nUFHwtfIGLKDTHcLWmDBG8frv0t+HQGl/iCZFIQUarE=',
          token_format: 'opaque',
          scope: 'api',
          ...(options.loose ? {} : { instance_url: url }),
          id: 'https://login.salesforce.com/id/00DXX0000008abcMAA/005XX000001SvogYAC',
          token_type: 'Bearer',
          issued_at: String(now()),
        },
      }
    }
    const auth = req.headers.authorization ?? ''
    if (!auth.startsWith('Bearer ') || !valid.has(auth.slice(7))) {
      return { status: 401, body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }] }
    }
    const cursor = new RegExp(`^/services/data/${VERSION.replace('.', '\\.')}/query/(\\w+)-(\\d+)$`).exec(path)
    if (req.method === 'GET' && cursor) return page(cursor[1] as string, Number(cursor[2]))
    if (req.method === 'GET' && (path === `/services/data/${VERSION}/query` || path === `/services/data/${VERSION}/queryAll`)) {
      const q = req.url.searchParams.get('q') ?? ''
      try {
        const id = `01gFAKE${++cursorSeq}`
        cursors.set(id, runSoql(q, path.endsWith('queryAll')))
        return page(id, 0)
      } catch (error) {
        return {
          status: 400,
          body: [{ message: (error as Error).message, errorCode: (error as { code?: string }).code ?? 'MALFORMED_QUERY' }],
        }
      }
    }
    if (req.method === 'GET' && path === `/services/data/${VERSION}/sobjects/Opportunity/describe` && !options.noDescribe) {
      // The org's Opportunity fields: CurrencyIsoCode only when its opportunities carry one (multi-currency).
      const multiCurrency = [...opportunities.values()].some((o) => o.CurrencyIsoCode !== undefined)
      const names = [...OPPORTUNITY_FIELDS, ...(multiCurrency ? ['CurrencyIsoCode'] : [])].filter((f) => !lacks.has(f.toLowerCase()))
      return { status: 200, body: { name: 'Opportunity', fields: names.map((name) => ({ name, type: 'string' })) } }
    }
    return { status: 404, body: [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }] }
  })
  url = base.url

  function page(id: string, offset: number): FakeAnswer {
    const cursor = cursors.get(id)
    if (!cursor) return { status: 400, body: [{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }] }
    const slice = cursor.rows.slice(offset, offset + batchSize).map(cursor.render)
    const done = offset + batchSize >= cursor.rows.length
    const next = done ? '' : `,"nextRecordsUrl":${JSON.stringify(`/services/data/${VERSION}/query/${id}-${offset + batchSize}`)}`
    // Records are rendered to JSON once per version (the body is the same as JSON.stringify of the page).
    return {
      status: 200,
      headers: { 'sforce-limit-info': 'api-usage=1842/15000' },
      body: `{${options.loose ? '' : `"totalSize":${cursor.rows.length},`}"done":${done}${next},"records":[${slice.join(',')}]}`,
    }
  }

  function runSoql(q: string, all: boolean): { rows: unknown[]; render: (row: unknown) => string } {
    const parsed = parseSoql(q)
    const unreadable = options.unreadable ?? []
    if (unreadable.includes(parsed.from))
      throw Object.assign(new Error(`sObject type '${parsed.from}' is not supported.`), { code: 'INVALID_TYPE' })
    if (parsed.historySubquery && unreadable.includes('OpportunityHistory'))
      throw Object.assign(new Error("Didn't understand relationship 'OpportunityHistories' in FROM part of query call."), {
        code: 'INVALID_TYPE',
      })
    if (parsed.from === 'OpportunityStage') {
      const rows = [...FAKE_STAGES]
        .sort((a, b) => a.SortOrder - b.SortOrder)
        .map((s) => project({ ...s, Id: `01J${s.SortOrder}`, MasterLabel: s.ApiName, IsActive: true }, parsed.fields, 'OpportunityStage'))
      return { rows, render: (row) => JSON.stringify(row) }
    }
    if (parsed.from === 'User' || parsed.from === 'OpportunityHistory') {
      const all =
        parsed.from === 'User'
          ? FAKE_USERS.map((u) => {
              const [first, ...last] = u.Name.split(' ')
              return { ...u, FirstName: first, LastName: last.join(' '), Username: u.Email.toLowerCase(), IsActive: true }
            })
          : [...opportunities.values()].flatMap((o) =>
              withPrev(o.history).map((h) => ({ ...h, OpportunityId: o.Id, IsDeleted: false }) as Record<string, unknown>),
            )
      const rows = (all as Array<Record<string, unknown>>)
        .filter((r) => parsed.where.every((c) => compare(r[c.field], c.op, c.value)))
        .sort((a, b) => {
          for (const ob of parsed.orderBy) {
            const x = String(a[ob.field])
            const y = String(b[ob.field])
            if (x !== y) return x < y ? -1 : 1
          }
          return 0
        })
        .map((r) => project(r, parsed.fields, parsed.from))
      return { rows, render: (row) => JSON.stringify(row) }
    }
    if (parsed.from !== 'Opportunity')
      throw Object.assign(new Error(`sObject type '${parsed.from}' is not supported.`), { code: 'INVALID_TYPE' })
    // A field the org lacks fails the query whatever it finds.
    const lacked = parsed.fields.find((f) => lacks.has(f.toLowerCase()))
    if (lacked !== undefined) throw invalidField(lacked, 'Opportunity')
    let rows = [...opportunities.values()].filter((o) => all || !o.IsDeleted)
    rows = rows.filter((o) => parsed.where.every((c) => compare(fieldOf(o, c.field), c.op, c.value)))
    const keyed = rows.map((o) => ({ o, keys: parsed.orderBy.map((ob) => String(fieldOf(o, ob.field))) }))
    keyed.sort((a, b) => {
      for (let k = 0; k < parsed.orderBy.length; k++) {
        const x = a.keys[k] as string
        const y = b.keys[k] as string
        if (x !== y) return (x < y ? -1 : 1) * (parsed.orderBy[k]?.desc ? -1 : 1)
      }
      return 0
    })
    rows = keyed.map((k) => k.o)
    const shape = `${parsed.fields.join(',')}|${parsed.historySubquery}`
    // An unknown field fails the query itself, not a later page.
    if (rows[0]) project(rows[0] as unknown as Record<string, unknown>, parsed.fields, 'Opportunity')
    const render = (row: unknown): string => {
      const o = row as FakeOpportunity
      // An account changed since shows in the row's Account.* fields.
      const version = `${o.SystemModstamp}|${o.history.length}|${o.AccountId === null ? '' : (accounts.get(o.AccountId)?.SystemModstamp ?? '')}`
      const byId = rendered.get(shape) ?? new Map<string, { version: string; text: string }>()
      rendered.set(shape, byId)
      const cached = byId.get(o.Id)
      if (cached !== undefined && cached.version === version) return cached.text
      const r = project(o as unknown as Record<string, unknown>, parsed.fields, 'Opportunity')
      if (parsed.historySubquery) {
        // By CreatedDate; rows of one second in the order `history` lists them.
        const h = withPrev(o.history).sort((a, b) => (a.CreatedDate < b.CreatedDate ? -1 : a.CreatedDate > b.CreatedDate ? 1 : 0))
        const records = h.map((row) => ({
          attributes: { type: 'OpportunityHistory', url: `/services/data/${VERSION}/sobjects/OpportunityHistory/${row.Id}` },
          StageName: row.StageName,
          CreatedDate: row.CreatedDate,
          Amount: row.Amount,
          CloseDate: row.CloseDate,
          PrevAmount: row.PrevAmount,
          PrevCloseDate: row.PrevCloseDate,
        }))
        r.OpportunityHistories =
          options.historyAnswer === 'array' ? records : h.length === 0 ? null : { totalSize: h.length, done: true, records }
      }
      for (const f of options.omitFields ?? []) delete r[f]
      if (options.flagsAsText)
        for (const f of ['IsClosed', 'IsWon', 'IsDeleted']) if (typeof r[f] === 'boolean') r[f] = String(r[f]).toUpperCase()
      const text = JSON.stringify(r)
      byId.set(o.Id, { version, text })
      return text
    }
    return { rows, render }
  }

  function fieldOf(o: FakeOpportunity, field: string): unknown {
    if (field.startsWith('Owner.'))
      return (FAKE_USERS.find((u) => u.Id === o.OwnerId) as Record<string, unknown> | undefined)?.[field.slice(6)] ?? null
    if (field.startsWith('Account.')) {
      return (
        ((o.AccountId === null ? undefined : accounts.get(o.AccountId)) as Record<string, unknown> | undefined)?.[field.slice(8)] ?? null
      )
    }
    return (o as unknown as Record<string, unknown>)[field]
  }

  // Field names in SOQL are case-insensitive; records name each field as the org spells it.
  const spelled = (name: string, keys: Iterable<string>) => {
    for (const k of keys) if (k.toLowerCase() === name.toLowerCase()) return k
    return undefined
  }

  function project(record: Record<string, unknown>, fields: string[], type: string): Record<string, unknown> {
    const o = type === 'Opportunity' ? { ...record, LastStageChangeDate: lastStageChangeOf(record as unknown as FakeOpportunity) } : record
    const out: Record<string, unknown> = { attributes: { type, url: `/services/data/${VERSION}/sobjects/${type}/${o.Id}` } }
    for (const f of fields) {
      const [asked, askedChild] = f.split('.') as [string, string | undefined]
      if (askedChild === undefined) {
        if (type === 'Opportunity' && lacks.has(f.toLowerCase())) throw invalidField(f, type)
        const key = spelled(f, Object.keys(o))
        if (key === undefined || key === 'history') throw invalidField(f, type)
        out[key] = o[key]
        continue
      }
      const parent = spelled(asked, ['Owner', 'Account'])
      if (type !== 'Opportunity' || parent === undefined) throw invalidField(f, type)
      const rel =
        parent === 'Owner'
          ? FAKE_USERS.find((u) => u.Id === o.OwnerId)
          : typeof o.AccountId === 'string'
            ? accounts.get(o.AccountId)
            : undefined
      if (!rel) {
        out[parent] = null
        continue
      }
      const child = spelled(askedChild, Object.keys(rel))
      if (child === undefined) throw invalidField(f, type)
      const nested = (out[parent] as Record<string, unknown> | undefined) ?? {
        attributes: { type: parent === 'Owner' ? 'User' : 'Account', url: `/services/data/${VERSION}/sobjects/${parent}/${rel.Id}` },
      }
      nested[child] = (rel as Record<string, unknown>)[child]
      out[parent] = nested
    }
    return out
  }

  const fake: SalesforceFake = Object.assign(base, {
    clientId,
    clientSecret,
    opportunities,
    accounts,
    limited,
    issued,
    prerender(soql: string) {
      const { rows, render } = runSoql(soql, false)
      for (const row of rows) render(row)
    },
    expireSessions() {
      valid.clear()
    },
    gainField(name: string) {
      lacks.delete(name.toLowerCase())
    },
    updateOpportunity(id: string, changes: Partial<Pick<FakeOpportunity, 'StageName' | 'Amount' | 'CloseDate' | 'Name'>>, at = now()) {
      const o = opportunities.get(id)
      if (!o) throw new Error(`no opportunity ${id}`)
      const stamp = sfDateTime(at)
      Object.assign(o, changes, { LastModifiedDate: stamp, SystemModstamp: stamp })
      if (changes.StageName) {
        const s = FAKE_STAGES.find((x) => x.ApiName === changes.StageName)
        o.IsClosed = s?.IsClosed ?? false
        o.IsWon = s?.IsWon ?? false
      }
      if (changes.StageName !== undefined || changes.Amount !== undefined || changes.CloseDate !== undefined) {
        o.history.push({
          Id: `008H${o.history.length}${id.slice(-6)}`,
          StageName: o.StageName,
          Amount: o.Amount,
          CloseDate: o.CloseDate,
          CreatedDate: stamp,
        })
      }
    },
    deleteOpportunity(id: string, at = now()) {
      const o = opportunities.get(id)
      if (!o) throw new Error(`no opportunity ${id}`)
      o.IsDeleted = true
      o.SystemModstamp = sfDateTime(at)
    },
    addOpportunity(o: FakeOpportunity) {
      opportunities.set(o.Id, o)
    },
    updateAccount(id: string, changes: Partial<Pick<FakeAccount, 'Industry' | 'BillingCountry'>>, at = now()) {
      const a = accounts.get(id)
      if (!a) throw new Error(`no account ${id}`)
      Object.assign(a, changes, { SystemModstamp: sfDateTime(at) })
    },
  })
  return fake
}

interface Soql {
  fields: string[]
  historySubquery: boolean
  from: string
  where: Array<{ field: string; op: string; value: unknown }>
  orderBy: Array<{ field: string; desc: boolean }>
}

/** Reads the SOQL shapes the sync sends; anything else is a MALFORMED_QUERY. */
function parseSoql(q: string): Soql {
  // Mask parenthesised subqueries so the outer FROM / WHERE / ORDER BY are found at depth 0.
  let depth0 = 0
  const masked = [...q.trim()].map((ch) => {
    if (ch === '(') depth0++
    const out = depth0 > 0 ? '_' : ch
    if (ch === ')') depth0--
    return out
  })
  const flat = masked.join('')
  const m = /^SELECT\s+(.+?)\s+FROM\s+(\w+)(?:\s+WHERE\s+(.+?))?(?:\s+ORDER\s+BY\s+(.+?))?(?:\s+LIMIT\s+\d+)?\s*$/is.exec(flat)
  if (!m) throw Object.assign(new Error(`unexpected token in query: ${q.slice(0, 60)}`), { code: 'MALFORMED_QUERY' })
  const text = q.trim()
  const listStart = flat.indexOf(m[1] as string)
  const list = text.slice(listStart, listStart + (m[1] as string).length)
  const from = m[2] as string
  const whereAt = m[3] === undefined ? -1 : flat.indexOf(m[3], listStart + list.length)
  const where = m[3] === undefined ? undefined : text.slice(whereAt, whereAt + m[3].length)
  const order = m[4]
  const items: string[] = []
  let depth = 0
  let cur = ''
  for (const ch of list) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      items.push(cur.trim())
      cur = ''
    } else cur += ch
  }
  if (cur.trim() !== '') items.push(cur.trim())
  const historySubquery = items.some((i) => /^\(\s*SELECT\s+.+\s+FROM\s+OpportunityHistories\b/is.test(i))
  const fields = items.filter((i) => !i.startsWith('('))
  const conditions = (where ?? '')
    .split(/\s+AND\s+/i)
    .filter((c) => c.trim() !== '')
    .map((c) => {
      const list = /^\s*([\w.]+)\s+IN\s*\((.*)\)\s*$/i.exec(c)
      if (list) {
        const values = (list[2] as string).split(',').map((v) => v.trim().replace(/^'(.*)'$/, '$1'))
        return { field: list[1] as string, op: 'IN', value: values as unknown }
      }
      const cm = /^\s*([\w.]+)\s*(>=|<=|!=|=|>|<)\s*(.+?)\s*$/.exec(c)
      if (!cm) throw Object.assign(new Error(`unexpected token: ${c}`), { code: 'MALFORMED_QUERY' })
      const raw = cm[3] as string
      let value: unknown
      if (/^(true|false)$/i.test(raw)) value = raw.toLowerCase() === 'true'
      else if (/^'.*'$/.test(raw)) value = raw.slice(1, -1)
      else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(raw))
        value = new Date(Date.parse(raw)).toISOString()
      else if (/^-?\d+(\.\d+)?$/.test(raw)) value = Number(raw)
      else throw Object.assign(new Error(`\n${c}\n^\nERROR at Row:1:Column:1\nunexpected token: '${raw}'`), { code: 'MALFORMED_QUERY' })
      return { field: cm[1] as string, op: cm[2] as string, value }
    })
  const orderBy = (order ?? '')
    .split(',')
    .filter((o) => o.trim() !== '')
    .map((o) => {
      const [field, dir] = o.trim().split(/\s+/) as [string, string | undefined]
      return { field, desc: (dir ?? '').toUpperCase() === 'DESC' }
    })
  return { fields, historySubquery, from, where: conditions, orderBy }
}

function compare(actual: unknown, op: string, expected: unknown): boolean {
  let a = actual
  if (typeof expected === 'string' && typeof actual === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(actual)) {
    a = new Date(Date.parse(actual.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))).toISOString()
  }
  switch (op) {
    case 'IN':
      return (expected as unknown[]).includes(a)
    case '=':
      return a === expected
    case '!=':
      return a !== expected
    case '>':
      return (a as string) > (expected as string)
    case '>=':
      return (a as string) >= (expected as string)
    case '<':
      return (a as string) < (expected as string)
    case '<=':
      return (a as string) <= (expected as string)
    default:
      return false
  }
}

function invalidField(field: string, type: string): Error {
  return Object.assign(
    new Error(
      `\nSELECT ${field}\n       ^\nERROR at Row:1:Column:8\nNo such column '${field}' on entity '${type}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
    ),
    { code: 'INVALID_FIELD' },
  )
}

/** Salesforce's datetime form: `2024-05-01T08:03:41.000+0000`, whole seconds. */
export function sfDateTime(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}.000+0000`
}

const TYPES = ['New Business', 'Existing Business', null]
const LEAD_SOURCES = ['Web', 'Partner Referral', 'Phone Inquiry', null]

/**
 * Deterministic opportunities with `OpportunityHistory` rows (including repeated rows of one
 * stage for amount and close-date edits), modified in ascending order, several per second.
 */
export function generateOpportunities(
  count: number,
  options: { seed?: number; firstModified?: number; firstIndex?: number } = {},
): FakeOpportunity[] {
  const rand = seededRandom(options.seed ?? 1)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T
  let modified = options.firstModified ?? Date.UTC(2024, 4, 1)
  const out: FakeOpportunity[] = []
  for (let i = 0; i < count; i++) {
    if (rand() < 0.4) modified += 1000 * (1 + Math.floor(rand() * 3))
    const steps: Array<{ stage: string; gap: number; amount: number }> = []
    let amount = Math.round(1000 + rand() * 120_000)
    let at = 0
    const depth = 1 + Math.floor(rand() * 4)
    for (let s = 0; s < depth; s++) {
      if (s > 0) at = Math.min(at + 1, 3)
      steps.push({ stage: (FAKE_STAGES[at] as { ApiName: string }).ApiName, gap: Math.floor((1 + rand() * 12) * 86_400_000), amount })
      if (rand() < 0.35) {
        amount = Math.round(amount * (0.8 + rand() * 0.4))
        steps.push({ stage: (FAKE_STAGES[at] as { ApiName: string }).ApiName, gap: Math.floor((0.2 + rand() * 3) * 86_400_000), amount })
      }
    }
    const r = rand()
    const close = r < 0.2 ? 'Closed Won' : r < 0.4 ? 'Closed Lost' : null
    if (close) steps.push({ stage: close, gap: Math.floor((1 + rand() * 8) * 86_400_000), amount })
    const span = steps.reduce((sum, s) => sum + s.gap, 0)
    const created = modified - span - Math.floor((1 + rand() * 30) * 86_400_000)
    const id = `006XX${String((options.firstIndex ?? 0) + i).padStart(8, '0')}AAA`
    let t = created
    const history: FakeHistoryRow[] = steps.map((s, k) => {
      if (k > 0) t += s.gap
      return {
        Id: `008XX${String(i).padStart(8, '0')}${k}`,
        StageName: s.stage,
        Amount: s.amount,
        CloseDate: new Date(t + 20 * 86_400_000).toISOString().slice(0, 10),
        CreatedDate: sfDateTime(t),
      }
    })
    const last = history[history.length - 1] as FakeHistoryRow
    const user = pick(FAKE_USERS)
    const account = rand() < 0.15 ? null : pick(FAKE_ACCOUNTS)
    out.push({
      Id: id,
      Name: `Opportunity ${i}`,
      Amount: rand() < 0.03 ? null : amount,
      StageName: last.StageName,
      CloseDate: close ? sfDateTime(t).slice(0, 10) : new Date(modified + 40 * 86_400_000).toISOString().slice(0, 10),
      CreatedDate: sfDateTime(created),
      IsClosed: close !== null,
      IsWon: close === 'Closed Won',
      OwnerId: user.Id,
      LastActivityDate: rand() < 0.7 ? new Date(modified - Math.floor(rand() * 25) * 86_400_000).toISOString().slice(0, 10) : null,
      LastModifiedDate: sfDateTime(modified),
      SystemModstamp: sfDateTime(modified),
      Type: pick(TYPES),
      LeadSource: pick(LEAD_SOURCES),
      AccountId: account?.Id ?? null,
      IsDeleted: false,
      history,
    })
  }
  return out
}
