/** Paths of Salesforce's own pages and APIs: what follows the My Domain URL in a pasted address. */
const SALESFORCE_PATH = /\/(?:services|lightning|one|_ui|setup|home|secur|apex)(?:[/?#.].*)?$/i

/** A record's page in Salesforce Classic (`/006XX000004TmiQYAS`): the 15- or 18-character id alone. */
const RECORD_PATH = /^\/[a-z0-9]{15}(?:[a-z0-9]{3})?\/?$/i

/**
 * The URL Salesforce requests are sent under, from `SALESFORCE_URL` as people paste it: the My
 * Domain URL without what a browser's address bar or the docs add after it (a page such as
 * `/lightning/page/home`, an API path such as `/services/oauth2/token` or `/services/data/v66.0`,
 * a query, a fragment, trailing slashes), a Lightning page's host (`acme.lightning.force.com`)
 * read as the My Domain host that serves the API (`acme.my.salesforce.com`). Any other path (a
 * proxy's prefix) is kept, and so are credentials in the URL.
 *
 * @example salesforceBaseUrl('https://acme.lightning.force.com/lightning/page/home') // 'https://acme.my.salesforce.com'
 */
export function salesforceBaseUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    return value.trim().replace(/\/+$/, '')
  }
  url.search = ''
  url.hash = ''
  url.hostname = url.hostname.replace(/\.lightning\.force\.com$/i, '.my.salesforce.com')
  const path = url.pathname.replace(/\/+$/, '')
  url.pathname = RECORD_PATH.test(path) ? '' : path.replace(SALESFORCE_PATH, '')
  return url.href.replace(/\/+$/, '')
}
