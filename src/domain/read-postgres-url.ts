/** The parts of a PostgreSQL connection URL that checks and messages use. */
export interface PostgresUrlParts {
  /** `host:port` of the server: the URL's host, else its `host` query parameter (a host or a socket directory), else `localhost`. */
  address: string
  /** `/database`, as written. */
  pathname: string
  /** Whether the URL carries a password (never shown). */
  hasPassword: boolean
  searchParams: URLSearchParams
}

/**
 * Reads a PostgreSQL connection URL, also in libpq's form with a user and no host before the path
 * (`postgres://USER:PASSWORD@/DB?host=/cloudsql/...`, the host or socket directory given in the
 * query), which `new URL` refuses. Undefined when `url` cannot be read as one URL (an unencoded /
 * or ? in the password, for one).
 */
export function readPostgresUrl(url: string): PostgresUrlParts | undefined {
  let read: URL
  let hostless = false
  try {
    read = new URL(url)
  } catch {
    // User info, then at once the path: `[^/?#@]*` keeps a / or ? inside the user info refused.
    const match = /^(postgres(?:ql)?:\/\/[^/?#@]*@)\//i.exec(url)
    if (!match) return undefined
    try {
      read = new URL(`${match[1]}host.invalid${url.slice((match[1] as string).length)}`)
      hostless = true
    } catch {
      return undefined
    }
  }
  const host = (hostless ? '' : read.hostname) || read.searchParams.get('host') || 'localhost'
  const port = (hostless ? '' : read.port) || read.searchParams.get('port') || '5432'
  return {
    address: `${host}:${port}`,
    pathname: read.pathname,
    hasPassword: read.password !== '' || (read.searchParams.get('password') ?? '') !== '',
    searchParams: read.searchParams,
  }
}
