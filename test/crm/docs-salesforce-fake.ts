import { type FakeAnswer, type FakeServerBase, startFakeServer } from '../fakes/crm-fake-server.js'

/**
 * A second, deliberately naive fake Salesforce, written only from the documented wire formats
 * (the reference crm.md and its fixtures), as someone else's test server would be: it finds the
 * object by the first `FROM` of the SOQL, knows the documented queries only (Opportunity,
 * OpportunityHistory by `OpportunityId IN (...)`, OpportunityStage, User, deleted rows through
 * queryAll), pages 2 records at a time with absolute `nextRecordsUrl`s, and sends `null` parents.
 */
export interface DocsOpportunity {
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
}

/** One OpportunityHistory row. */
export interface DocsHistoryRow {
  OpportunityId: string
  StageName: string
  CreatedDate: string
}

/** What the fake does with a query about an object it does not know. */
export type UnknownObjectAnswer = 'empty' | 'error'

/** How the fake picks the object a query is about. */
export type Routing = 'first-from' | 'history-first' | 'top-level'

/** Options of {@link startDocsSalesforceFake}. */
export interface DocsSalesforceOptions {
  opportunities: DocsOpportunity[]
  history: DocsHistoryRow[]
  routing?: Routing
  unknownObject?: UnknownObjectAnswer
  pageSize?: number
  /** Records a page for Opportunity queries only (default `pageSize`). */
  opportunityPageSize?: number
  /** The token answer's `instance_url` (default: the fake's own URL). */
  instanceUrl?: string
  /** Refuse (400 INVALID_FIELD) an Opportunity field the reference does not list. */
  strictFields?: boolean
  /** Apply `ORDER BY` (default true); false answers in the order `opportunities` are listed (a fake that ignores it). */
  applyOrder?: boolean
  /** Know only the reference's `SystemModstamp > <watermark>` filter: another comparison is a 400 MALFORMED_QUERY. */
  documentedFilterOnly?: boolean
  /** The org's stages as `[ApiName, SortOrder, IsClosed, IsWon, IsActive]` (default: four active ones). */
  stages?: ReadonlyArray<readonly [string, number, boolean, boolean, boolean]>
  /** Users by id (default: two active ones); an id missing here (a queue, a deleted user) has no Owner. */
  users?: Record<string, { Email: string | null; Name: string; IsActive?: boolean }>
}

/** The Opportunity fields the reference lists. */
const DOCUMENTED_FIELDS = new Set(
  'Id Name Amount StageName CloseDate CreatedDate IsClosed IsWon OwnerId Owner.Email LastActivityDate LastModifiedDate SystemModstamp ForecastCategory ForecastCategoryName Probability Type LeadSource AccountId Account.Industry Account.BillingCountry IsDeleted'.split(
    ' ',
  ),
)

/** The running fake. */
export interface DocsSalesforceFake extends FakeServerBase {
  readonly clientId: string
  readonly clientSecret: string
  options: DocsSalesforceOptions
  /** Every SOQL statement received, decoded. */
  readonly queries: string[]
  /** Invalidates the tokens issued so far. */
  expireSessions(): void
}

const VERSION = 'v66.0'
const USERS: Record<string, { Email: string; Name: string }> = {
  '005XX000001SvogYAC': { Email: 'ana.ruiz@example.com', Name: 'Ana Ruiz' },
  '005XX000001SvohYAC': { Email: 'bo.chen@example.com', Name: 'Bo Chen' },
}
const ACCOUNTS: Record<string, { Industry: string; BillingCountry: string }> = {
  '001XX000003DHPhYAO': { Industry: 'Technology', BillingCountry: 'Germany' },
}
const STAGES = [
  ['Prospecting', 1, false, false, true],
  ['Qualification', 2, false, false, true],
  ['Closed Won', 9, true, true, true],
  ['Closed Lost', 10, true, false, true],
] as const

/** Starts the naive fake; `options` may be replaced between syncs. */
export async function startDocsSalesforceFake(initial: DocsSalesforceOptions): Promise<DocsSalesforceFake> {
  const clientId = '3MVG9docs.fake'
  const clientSecret = 'docs-fake-secret'
  const state = { options: initial }
  const queries: string[] = []
  const tokens = new Set<string>()
  const cursors = new Map<string, { rows: Array<Record<string, unknown>>; size: number }>()
  let issued = 0
  let url = ''

  const base = await startFakeServer((req): FakeAnswer => {
    const path = req.url.pathname
    if (req.method === 'POST' && path === '/services/oauth2/token') {
      const form = new URLSearchParams(req.body)
      if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
        return { status: 400, body: { error: 'invalid_client', error_description: 'invalid client credentials' } }
      }
      const token = `00DXX0000008abc!docs${++issued}`
      tokens.add(token)
      return {
        status: 200,
        body: {
          token_type: 'Bearer',
          issued_at: '1714636801234',
          id: 'https://login.salesforce.com/id/00D/005',
          instance_url: state.options.instanceUrl ?? url,
          access_token: token,
        },
      }
    }
    if (!tokens.has((req.headers.authorization ?? '').replace(/^Bearer /, ''))) {
      return { status: 401, body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }] }
    }
    const more = new RegExp(`^/services/data/${VERSION}/query/(\\w+)-(\\d+)$`).exec(path)
    if (more) return page(more[1] as string, Number(more[2]))
    if (path === `/services/data/${VERSION}/query` || path === `/services/data/${VERSION}/queryAll`) {
      const q = req.url.searchParams.get('q') ?? ''
      queries.push(q)
      if (state.options.strictFields && objectOf(q) === 'Opportunity') {
        const list = /^SELECT\s+(.*?)\s+FROM\s+Opportunity\b/is.exec(q.replace(/\([^()]*\)/g, ''))?.[1] ?? ''
        const unknown = list
          .split(',')
          .map((f) => f.trim())
          .find((f) => f !== '' && !DOCUMENTED_FIELDS.has(f))
        if (unknown)
          return { status: 400, body: [{ message: `No such column '${unknown}' on entity 'Opportunity'.`, errorCode: 'INVALID_FIELD' }] }
      }
      const filter = /\bWHERE\b.*?\bSystemModstamp\s*([<>=!]+)/is.exec(q)?.[1]
      if (state.options.documentedFilterOnly && filter !== undefined && filter !== '>') {
        return { status: 400, body: [{ message: `unexpected token: '${filter}'`, errorCode: 'MALFORMED_QUERY' }] }
      }
      const rows = run(q, path.endsWith('queryAll'))
      if (rows === null) {
        return state.options.unknownObject === 'error'
          ? { status: 400, body: [{ message: `sObject type '${objectOf(q)}' is not supported.`, errorCode: 'INVALID_TYPE' }] }
          : { status: 200, body: { totalSize: 0, done: true, records: [] } }
      }
      const id = `0r8XX${cursors.size}`
      const size = (objectOf(q) === 'Opportunity' ? state.options.opportunityPageSize : undefined) ?? state.options.pageSize ?? 2
      cursors.set(id, { rows, size })
      return page(id, 0)
    }
    return { status: 404, body: [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }] }
  })
  url = base.url

  function page(id: string, from: number): FakeAnswer {
    const { rows, size } = cursors.get(id) ?? { rows: [], size: 2 }
    const done = from + size >= rows.length
    // Field order differs from Salesforce's: records first, then the paging fields.
    return {
      status: 200,
      headers: { 'sforce-limit-info': 'api-usage=12/15000' },
      body: {
        records: rows.slice(from, from + size),
        done,
        // Null rather than left out on the last page.
        nextRecordsUrl: done ? null : `${url}/services/data/${VERSION}/query/${id}-${from + size}`,
        totalSize: rows.length,
      },
    }
  }

  function objectOf(q: string): string {
    const routing = state.options.routing ?? 'first-from'
    if (routing === 'history-first' && q.includes('FROM OpportunityHistory')) return 'OpportunityHistory'
    const text = routing === 'top-level' ? q.replace(/\([^()]*\)/g, '') : q
    return /\bFROM\s+(\w+)/i.exec(text)?.[1] ?? ''
  }

  function run(q: string, all: boolean): Array<Record<string, unknown>> | null {
    const o = state.options
    const object = objectOf(q)
    const after = /SystemModstamp\s*>=?\s*(\S+)/.exec(q)?.[1]
    const since = after ? Date.parse(after) : Number.NEGATIVE_INFINITY
    const sf = (s: string) => Date.parse(s.replace('+0000', 'Z'))
    const attributes = (type: string, id: string) => ({ type, url: `/services/data/${VERSION}/sobjects/${type}/${id}` })
    if (object === 'OpportunityStage') {
      return (o.stages ?? STAGES).map(([name, order, closed, won, active]) => ({
        attributes: attributes('OpportunityStage', `01J${order}`),
        Id: `01J${order}`,
        ApiName: name,
        MasterLabel: name,
        SortOrder: order,
        IsActive: active,
        IsClosed: closed,
        IsWon: won,
        DefaultProbability: won ? 100 : 10,
      }))
    }
    if (object === 'OpportunityHistory') {
      const ids = /OpportunityId\s+IN\s*\(([^)]*)\)/i.exec(q)?.[1]
      const wanted = ids === undefined ? null : new Set(ids.split(',').map((s) => s.trim().replace(/^'|'$/g, '')))
      return o.history
        .filter((h) => wanted === null || wanted.has(h.OpportunityId))
        .map((h, i) => ({ attributes: attributes('OpportunityHistory', `008XX${i}`), Id: `008XX${i}`, ...h, IsDeleted: false }))
    }
    if (object === 'User') {
      return Object.entries(o.users ?? USERS).map(([Id, u]) => ({ attributes: attributes('User', Id), Id, IsActive: true, ...u }))
    }
    if (object !== 'Opportunity') return null
    const deletedOnly = /IsDeleted\s*=\s*true/i.test(q)
    return o.opportunities
      .filter((x) => (deletedOnly ? all && x.IsDeleted : !x.IsDeleted) && sf(x.SystemModstamp) >= since)
      .sort((a, b) => (o.applyOrder === false ? 0 : sf(a.SystemModstamp) - sf(b.SystemModstamp) || (a.Id < b.Id ? -1 : 1)))
      .map((x) => {
        const { AccountId, OwnerId, ...rest } = x
        const account = AccountId ? ACCOUNTS[AccountId] : undefined
        const user = (o.users ?? USERS)[OwnerId]
        return {
          attributes: attributes('Opportunity', x.Id),
          ...rest,
          OwnerId,
          AccountId,
          Account: account ? { attributes: attributes('Account', AccountId as string), ...account } : null,
          Owner: user ? { attributes: attributes('User', OwnerId), Email: user.Email } : null,
        }
      })
  }

  const fake = Object.assign(base, {
    clientId,
    clientSecret,
    queries,
    expireSessions: () => tokens.clear(),
  }) as DocsSalesforceFake
  Object.defineProperty(fake, 'options', {
    get: () => state.options,
    set: (value: DocsSalesforceOptions) => {
      state.options = value
    },
  })
  return fake
}

/** Salesforce's datetime form, whole seconds. */
export function sfTime(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}.000+0000`
}

/** `count` opportunities modified a second apart from May 1st 2024, with their history rows (a repeated stage row included). */
export function docsOpportunities(
  count: number,
  first = Date.UTC(2024, 4, 1, 8),
): { opportunities: DocsOpportunity[]; history: DocsHistoryRow[] } {
  const opportunities: DocsOpportunity[] = []
  const history: DocsHistoryRow[] = []
  for (let i = 0; i < count; i++) {
    const modified = first + i * 1000
    const created = modified - 30 * 86_400_000
    const id = `006XX${String(i).padStart(10, '0')}AAA`
    const won = i % 3 === 0
    const lost = i % 3 === 1
    const stage = won ? 'Closed Won' : lost ? 'Closed Lost' : 'Qualification'
    history.push({ OpportunityId: id, StageName: 'Prospecting', CreatedDate: sfTime(created) })
    history.push({ OpportunityId: id, StageName: 'Prospecting', CreatedDate: sfTime(created + 86_400_000) })
    history.push({ OpportunityId: id, StageName: 'Qualification', CreatedDate: sfTime(created + 10 * 86_400_000) })
    if (won || lost) history.push({ OpportunityId: id, StageName: stage, CreatedDate: sfTime(modified - 60_000) })
    opportunities.push({
      Id: id,
      Name: `Opportunity ${i}`,
      Amount: i % 4 === 3 ? null : 1000 + i,
      StageName: stage,
      CloseDate: sfTime(modified).slice(0, 10),
      CreatedDate: sfTime(created),
      IsClosed: won || lost,
      IsWon: won,
      OwnerId: i % 2 === 0 ? '005XX000001SvogYAC' : '005XX000001SvohYAC',
      LastActivityDate: null,
      LastModifiedDate: sfTime(modified),
      SystemModstamp: sfTime(modified),
      Type: i % 2 === 0 ? 'New Business' : null,
      LeadSource: 'Web',
      AccountId: i % 2 === 0 ? '001XX000003DHPhYAO' : null,
      IsDeleted: false,
    })
  }
  return { opportunities, history }
}
