const NAMES: ReadonlyMap<string, string> = new Map([
  ['hubspot', 'HubSpot'],
  ['salesforce', 'Salesforce'],
])

/**
 * The name a user knows a CRM by, for a stored source (`hubspot`, `salesforce`); any other
 * source is returned as it is.
 * @example crmName('hubspot') // 'HubSpot'
 */
export function crmName(source: string): string {
  return NAMES.get(source) ?? source
}
