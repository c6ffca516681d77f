import type { SegmentMapping } from '../config.js'

const KEYS = ['region', 'industry', 'productType', 'leadSource'] as const

/** The variable suffix a person sets for each segment (`HUBSPOT_REGION_PROPERTY`, `SALESFORCE_REGION_FIELD`). */
const WORDS: Record<(typeof KEYS)[number], string> = {
  region: 'REGION',
  industry: 'INDUSTRY',
  productType: 'PRODUCT',
  leadSource: 'LEAD_SOURCE',
}

/**
 * The CRM property or field each segment was read from when a watermark was stored, in words,
 * where it differs from `now`: `HUBSPOT_REGION_PROPERTY "region" is now "hs_region"` (`variable`
 * being `HUBSPOT_{}_PROPERTY` or `SALESFORCE_{}_FIELD`). Deals stored under the old mapping keep
 * the old values until read again. Empty when nothing changed, or when `was` is not a mapping (a
 * watermark of an earlier version, which did not keep one).
 * @example segmentMappingChanges({ region: 'region', ... }, { region: 'hs_region', ... }, 'HUBSPOT_{}_PROPERTY')
 */
export function segmentMappingChanges(was: unknown, now: SegmentMapping, variable: string): string[] {
  if (was === null || typeof was !== 'object') return []
  const before = was as Partial<Record<string, unknown>>
  return KEYS.filter((k) => typeof before[k] === 'string' && before[k] !== now[k]).map(
    (k) => `${variable.replace('{}', WORDS[k])} "${before[k] as string}" is now "${now[k]}"`,
  )
}

/** The mapping as a watermark keeps it, for {@link segmentMappingChanges} to compare with at the next sync. */
export function segmentMappingOf(segments: SegmentMapping): SegmentMapping {
  return { region: segments.region, industry: segments.industry, productType: segments.productType, leadSource: segments.leadSource }
}
