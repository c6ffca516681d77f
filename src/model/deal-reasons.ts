import { currencyMoney } from '../analytics/currency-money.js'
import { formatCount, formatCountOf, formatMoney, formatMoneyIn, formatWholePercent } from '../analytics/format-figures.js'
import { FILTER_AMOUNT_BANDS, NO_AMOUNT_BAND } from '../domain/amount-band.js'
import type { FeatureEncoding, FeatureSpec } from './feature-encoding.js'
import type { FlatTree } from './flat-tree.js'
import type { StageNorm } from './stage-norms.js'

/**
 * The conditions on the way from the root to `node`, one phrase per feature in the order the tree
 * asks them: "EMEA $50k-100k, Outbound leads". The root alone is "All closed deals". `unseen`
 * gives a deal's inputs with no history behind them, by feature column (`unseenValues` in
 * feature-encoding.ts): a condition on such a feature names the deal's own value and what it was
 * counted as ("Partner leads (no closed deals yet, counted as Outbound leads)", "owner without
 * closed deals before this deal (counted as owner's past win rate 30%+)", "no amount in the CRM
 * (counted as under $5k)"), instead of stating that the deal has one of those values or rates.
 * `currencies` ({@link amountCurrencies}) decides how amounts read: in dollars, in the one other
 * currency ("EMEA 50k-100k EUR"), or, when the deals mix currencies, as bare figures with a note
 * that each deal's amount is in its own currency, not converted (the bands are cut by the number).
 */
export function describeNode(
  tree: FlatTree,
  encoding: FeatureEncoding,
  node: number,
  unseen?: ReadonlyMap<number, string> | null,
  currencies: readonly (string | null)[] = [],
): string {
  const unit = amountUnit(currencies)
  const chain: number[] = []
  for (let k = node; k >= 0; k = tree.parent[k] as number) chain.unshift(k)
  const bounds = new Map<number, { lo: number; hi: number }>()
  for (let i = 0; i + 1 < chain.length; i++) {
    const k = chain[i] as number
    const column = tree.column[k] as number
    const b = bounds.get(column) ?? { lo: Number.NEGATIVE_INFINITY, hi: Number.POSITIVE_INFINITY }
    const t = tree.threshold[k] as number
    if (chain[i + 1] === tree.left[k]) b.hi = Math.min(b.hi, t)
    else b.lo = Math.max(b.lo, t)
    bounds.set(column, b)
  }
  const phrases: string[] = []
  let amounts = false
  for (const [column, b] of bounds) {
    const spec = encoding.features[column]
    const phrase = spec ? describeBounds(spec, b.lo, b.hi, unit) : null
    const own = unseen?.get(column)
    // "EMEA no amount" names no figure to say the currency of.
    if (phrase && (spec?.name === 'amount' || spec?.name === 'region_amount_band') && /\d/.test(phrase)) amounts = true
    if (phrase && own !== undefined)
      phrases.push(
        spec?.kind === 'category'
          ? `${shownValue(spec.name, own, unit)}${categorySuffix(spec.name)} (no closed deals yet, counted as ${phrase})`
          : spec?.name === 'amount'
            ? `no amount in the CRM (counted as ${phrase})`
            : `owner without closed deals before this deal (counted as ${phrase})`,
      )
    else if (phrase) phrases.push(phrase)
  }
  if (phrases.length === 0) return 'All closed deals'
  return `${phrases.join(', ')}${amounts ? mixedNote(currencies, unit) : ''}`
}

/**
 * The currencies the amounts in a reason span, as {@link currencyCodes} gives them (null: not
 * stated): the model's deals' (`model`, each once), with the scored deal's own added when the model
 * has none of its unit (a euro deal scored by a model of dollar deals is compared by the number).
 * @example amountCurrencies(['EUR', 'USD'], 'eur') // ['EUR', 'USD']
 */
export function amountCurrencies(model: readonly (string | null)[], deal?: string | null): (string | null)[] {
  const own = deal?.trim().toUpperCase() || null
  if (deal === undefined || model.some((c) => unitOf(c) === unitOf(own))) return [...model]
  return [...model, own].sort((a, b) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
}

/**
 * A segment label of the segment base rates ("EMEA, $50k-100k", "EMEA") with its amount band in
 * the deals' currencies, as {@link describeNode} writes them: "EMEA, 50k-100k EUR"; mixed ones as
 * "EMEA, 50k-100k (amounts in each deal's own currency, not converted: EUR, USD)".
 */
export function segmentLabelIn(label: string, currencies: readonly (string | null)[]): string {
  const unit = amountUnit(currencies)
  const band = label.match(BAND_AT_END)
  if (!band || unit === '$' || band[1] === bandWords(NO_AMOUNT_BAND)) return label
  return `${label.slice(0, band.index)}, ${bandWordsIn(band[1] as string, unit)}${mixedNote(currencies, unit)}`
}

// The band words at the end of a region x amount band value: "EMEA, $50k-100k" -> "$50k-100k".
const BAND_AT_END = /, (\$\S+|under \$\S+|no amount)$/

// '$' for dollars or none stated, the code of the one other currency, or null when they mix.
function amountUnit(currencies: readonly (string | null)[]): string | null {
  return currencyMoney(currencies).unit
}

function unitOf(code: string | null): string | null {
  return code === 'USD' ? null : code
}

// " (amounts in each deal's own currency, not converted: EUR, USD)" when the amounts mix currencies.
function mixedNote(currencies: readonly (string | null)[], unit: string | null): string {
  if (unit !== null) return ''
  const named = currencies.filter((c): c is string => c !== null)
  const listed = `${named.join(', ')}${currencies.includes(null) ? ', none stated' : ''}`
  return ` (amounts in each deal's own currency, not converted: ${listed})`
}

// Stored band words ("$50k-100k") as the band they name ("50k-100k").
const BAND_BY_WORDS = new Map(FILTER_AMOUNT_BANDS.map((b) => [bandWords(b), b]))

// Band words in `unit`: "$50k-100k", "50k-100k EUR", or bare ("50k-100k") for mixed currencies.
function bandWordsIn(words: string, unit: string | null): string {
  const band = BAND_BY_WORDS.get(words)
  if (band === undefined || band === NO_AMOUNT_BAND || unit === '$') return words
  const suffix = unit === null ? '' : ` ${unit}`
  if (band === '<10k') return `under 10k${suffix}`
  return band.endsWith('+') ? `${band.slice(0, -1)}${suffix}+` : `${band}${suffix}`
}

/**
 * "In Negotiation 41 days; 90% of won deals leave it within 20", or null without a norm. When the
 * day the deal entered its stage is not recorded (`since: 'created'`: the days run from its
 * creation, as src/domain/deal-derived.ts counts them), the words say so instead of stating the
 * stay as a fact: "In Negotiation up to 41 days (no stage entry date; counted from its creation); ...".
 */
export function stageReason(
  stage: string,
  daysInStage: number | null,
  norm: StageNorm | undefined,
  since: 'stage' | 'created' = 'stage',
): string | null {
  if (daysInStage === null || !norm) return null
  const d = days(daysInStage)
  const stay = since === 'stage' ? `In ${stage} ${d}` : `In ${stage} up to ${d} (no stage entry date; counted from its creation)`
  if (daysInStage > norm.p90) return `${stay}; 90% of won deals leave it within ${formatCount(norm.p90)}`
  if (daysInStage > norm.median) return `${stay}; half of won deals leave it within ${formatCount(norm.median)}`
  return `${stay}, within the usual time (half of won deals leave it within ${formatCount(norm.median)})`
}

/**
 * The date days idle were counted from (`lastActivityOf` in src/domain/deal-derived.ts): the last
 * activity when it is known, else the last record update, the day the deal entered its stage (`stage`
 * names it), or the day it was created; `activityBeforeCreated`: the day it was created, as its last
 * recorded activity is from before then (a date carried over from another system).
 */
export type IdleSince =
  | { kind: 'activity' }
  | { kind: 'update' }
  | { kind: 'stage'; stage: string }
  | { kind: 'created' }
  | { kind: 'activityBeforeCreated' }

/**
 * "No activity for 23 days (the idle limit is 14)" or "Last activity 2 days ago". Without a last
 * activity date (unknown, contract.md), the words say which date the days run from instead of
 * stating a quiet spell as a fact: "No activity recorded; record last updated 23 days ago (the idle limit is 14)".
 */
export function idleReason(daysIdle: number | null, idleDays: number, since: IdleSince = { kind: 'activity' }): string | null {
  if (daysIdle === null) return null
  const limit = daysIdle >= idleDays ? ` (the idle limit is ${formatCount(idleDays)})` : ''
  const ago = daysIdle === 0 ? 'today' : `${days(daysIdle)} ago`
  switch (since.kind) {
    case 'activity':
      if (daysIdle >= idleDays) return `No activity for ${days(daysIdle)}${limit}`
      return daysIdle === 0 ? 'Last activity today' : `Last activity ${ago}`
    case 'update':
      return `No activity recorded; record last updated ${ago}${limit}`
    case 'stage':
      return `No activity recorded; entered ${since.stage} ${ago}${limit}`
    case 'created':
      return `No activity recorded; created ${ago}${limit}`
    case 'activityBeforeCreated':
      return `No activity since it was created ${ago}${limit}`
  }
}

/** An amount band in words: "$50k-100k", "under $10k", "$100k+"; "no amount" for {@link NO_AMOUNT_BAND}. */
export function bandWords(band: string): string {
  if (band === NO_AMOUNT_BAND) return 'no amount'
  return band === '<10k' ? 'under $10k' : `$${band}`
}

function describeBounds(spec: FeatureSpec, lo: number, hi: number, unit: string | null): string | null {
  if (spec.kind === 'category') {
    const shown = spec.values.map((v) => shownValue(spec.name, v, unit))
    const allowed = shown.filter((_, i) => i >= lo && i < hi)
    if (allowed.length === 0 || allowed.length === shown.length) return null
    const excluded = shown.filter((v) => !allowed.includes(v))
    const suffix = categorySuffix(spec.name)
    const pairs = spec.name === 'region_amount_band'
    if (allowed.length <= 3) return `${orList(allowed, pairs)}${suffix}`
    if (excluded.length <= 2) return `not ${orList(excluded, pairs)}${suffix}`
    // Values are ranked by past win rate, so a long list is the lower- or higher-winning end.
    const end = allowed.includes(shown[0] as string) ? 'lower' : allowed.includes(shown[shown.length - 1] as string) ? 'higher' : 'middling'
    return `${end}-winning ${CATEGORY_WORDS[spec.name]} (${allowed.length} of ${spec.values.length})`
  }
  // A code k covers values in [edges[k-1], edges[k]); codes in [lo, hi) are ceil(lo) .. ceil(hi) - 1.
  const kMin = Number.isFinite(lo) ? Math.ceil(lo) : 0
  const kMax = Number.isFinite(hi) ? Math.ceil(hi) - 1 : spec.edges.length
  const from = kMin > 0 ? spec.edges[kMin - 1] : undefined
  const to = kMax < spec.edges.length ? spec.edges[kMax] : undefined
  if (spec.name === 'amount') return amountRange(from, to, unit)
  const fmt = formatWholePercent
  const range =
    from !== undefined && to !== undefined
      ? `${fmt(from).slice(0, -1)}-${fmt(to)}`
      : from !== undefined
        ? `${fmt(from)}+`
        : to !== undefined
          ? `under ${fmt(to)}`
          : null
  if (range === null) return null
  return `owner's past win rate ${range}`
}

// An amount bin in `unit`: "$50k-100k", "50k-100k EUR", "under 10k EUR", "100k EUR+"; bare figures
// ("50k-100k") when the deals mix currencies.
function amountRange(from: number | undefined, to: number | undefined, unit: string | null): string | null {
  const one = (a: number) => (unit === null ? formatMoney(a).replace('$', '') : formatMoneyIn(a, unit === '$' ? null : unit))
  if (from !== undefined && to !== undefined) {
    if (unit === '$') return `${formatMoney(from)}-${formatMoney(to).slice(1)}`
    const bare = `${formatMoney(from).replace('$', '')}-${formatMoney(to).replace('$', '')}`
    return unit === null ? bare : `${bare} ${unit}`
  }
  if (from !== undefined) return `${one(from)}+`
  if (to !== undefined) return `under ${one(to)}`
  return null
}

// The word after a segment value: "Outbound leads", "Pro product", "EMEA".
// "EMEA $50k-100k", not the stored "EMEA, $50k-100k": in a phrase list, that comma would read as
// the end of one condition ("EMEA, $50k-100k or APAC, $100k+, Outbound leads").
// The band in the deals' currency `unit` (see {@link bandWordsIn}).
function shownValue(name: string | undefined, value: string, unit: string | null = '$'): string {
  if (name !== 'region_amount_band') return value
  return value.replace(BAND_AT_END, (_, words: string) => ` ${bandWordsIn(words, unit)}`)
}

function categorySuffix(name: string | undefined): string {
  return name === 'lead_source' ? ' leads' : name === 'product_type' ? ' product' : ''
}

const CATEGORY_WORDS: Record<string, string> = {
  region: 'regions',
  industry: 'industries',
  product_type: 'products',
  lead_source: 'lead sources',
  region_amount_band: 'region/amount-band segments',
}

function orList(values: readonly string[], orOnly = false): string {
  if (values.length <= 1) return values.join('')
  // Values with commas or spaces of their own ("EMEA $50k-100k") are separated by "or" alone.
  if (orOnly || values.some((v) => v.includes(','))) return values.join(' or ')
  return `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`
}

/** `1 day`, `1,204 days`: days grouped as counts and amounts are. */
function days(n: number): string {
  return formatCountOf(n, 'day')
}
