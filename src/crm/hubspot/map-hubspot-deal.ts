import type { SegmentMapping } from '../../config.js'
import { clipKey } from '../../domain/clip-key.js'
import { daysBetween } from '../../domain/dates.js'
import { MAX_DEAL_AMOUNT } from '../../domain/max-deal-amount.js'
import type { NormalizedDeal, StageStay, SyncedDeal } from '../../domain/normalized-deal.js'
import type { StageDefinition } from '../../domain/stages-from-names.js'
import { crmDate } from '../crm-date.js'
import { parseAmount } from '../csv/parse-deal-row.js'
import { lastOpenStage, stayInstant, staysFromChanges } from '../stage-stays.js'
import type { HubspotDeal, HubspotPipelines } from './hubspot-api.js'

/** A pipeline stage as the sync needs it: its label and closed/won flags. */
export interface HubspotStage {
  label: string
  isClosed: boolean
  isWon: boolean
}

/** Stages by `pipelineId:stageId` and by bare stage id (a fallback for deals that moved pipelines). */
export interface HubspotStageIndex {
  byKey: Map<string, HubspotStage>
  byId: Map<string, HubspotStage>
  /** Labels of closed stages. */
  closedLabels: Set<string>
}

/**
 * The stage-calculated properties that date a deal's entry into stage `stageId` (HubSpot's
 * current one, then the legacy one), read for a deal whose stage history does not come.
 */
export function stageEnteredProperties(stageId: string): string[] {
  return [`hs_v2_date_entered_${stageId}`, `hs_date_entered_${stageId}`]
}

/** The deal properties the sync asks for, segment properties included. */
export function hubspotDealProperties(segments: SegmentMapping): string[] {
  const base = [
    'dealname',
    'amount',
    'dealstage',
    'pipeline',
    'closedate',
    'createdate',
    'hubspot_owner_id',
    'hs_lastmodifieddate',
    'hs_is_closed',
    'hs_is_closed_won',
    'notes_last_updated',
    'deal_currency_code',
    'hs_object_id',
    'hs_merged_object_ids',
  ]
  return [...new Set([...base, segments.region, segments.industry, segments.productType, segments.leadSource])]
}

/**
 * The deals merged into `d` (`hs_merged_object_ids`, ids separated by `;`, or `,`): HubSpot keeps no record
 * of them apart from `d` (their ids now lead to it) and lists them nowhere as archived, so a
 * sync removes them. `d`'s own id is left out.
 * @example mergedDealIds({ id: '904', properties: { hs_merged_object_ids: '901;902' } }) // ['901', '902']
 */
export function mergedDealIds(d: Pick<HubspotDeal, 'id' | 'properties'>): string[] {
  const ids = d.properties.hs_merged_object_ids
  if (!ids) return []
  return ids
    .split(/[;,]/)
    .map((id) => id.trim())
    .filter((id) => id !== '' && id !== d.id)
}

/**
 * The stage order of every active pipeline (archived ones only name stages): open stages first (pipelines and stages in their
 * display order), then the closed ones. A stage is closed when `metadata.isClosed` is "true"
 * (or, in a pipeline whose stages carry no `isClosed`, when its probability is 0 or 1), and won
 * when it is closed with probability 1 (HubSpot documents no won flag on stages).
 * Labels shared by several pipelines appear once. With `inUse`, the stages of active pipelines not
 * in it (pipelines holding no deal) stay out of the order too, but still name stages.
 */
export function hubspotStageOrder(
  pipelines: HubspotPipelines,
  inUse?: ReadonlySet<string>,
): { order: StageDefinition[]; index: HubspotStageIndex } {
  const index: HubspotStageIndex = { byKey: new Map(), byId: new Map(), closedLabels: new Set() }
  const open: StageDefinition[] = []
  const closed: StageDefinition[] = []
  const seen = new Set<string>()
  // Archived pipelines come last: their stages still name the deals left in them, but stay out of the order.
  const all = [...pipelines.results].sort(
    (a, b) => Number(a.archived ?? false) - Number(b.archived ?? false) || a.displayOrder - b.displayOrder,
  )
  for (const p of all) {
    // Only `probability` is required in a stage's metadata: without `isClosed`, a stage at 0 or 1
    // is closed (HubSpot closes deals at 0% lost and 100% won).
    const flagged = p.stages.some((s) => typeof s.metadata?.isClosed === 'string')
    for (const s of [...p.stages].sort((a, b) => a.displayOrder - b.displayOrder)) {
      const probability = s.metadata?.probability == null || s.metadata.probability === '' ? Number.NaN : Number(s.metadata.probability)
      const isClosed = flagged ? s.metadata?.isClosed === 'true' : probability === 0 || probability === 1
      const stage: HubspotStage = { label: s.label, isClosed, isWon: isClosed && probability === 1 }
      index.byKey.set(`${p.id}:${s.id}`, stage)
      if (!index.byId.has(s.id)) index.byId.set(s.id, stage)
      if (isClosed) index.closedLabels.add(s.label)
      if (p.archived || s.archived || seen.has(s.label) || (inUse && !inUse.has(p.id))) continue
      seen.add(s.label)
      ;(isClosed ? closed : open).push({ name: s.label, isClosed, isWon: stage.isWon })
    }
  }
  return { order: [...open, ...closed], index }
}

/**
 * A HubSpot deal (batch-read with `propertiesWithHistory=dealstage`) as a normalised deal with
 * its stage history. Outcome from `hs_is_closed_won` / `hs_is_closed` (else the stage's flags);
 * a lost deal's stage is the last open stage of its history; last activity is `notes_last_updated`.
 * Dates are the days the team in `timeZone` (`PULSE_TZ`) saw, see {@link crmDate}.
 */
export function mapHubspotDeal(
  d: HubspotDeal,
  stages: HubspotStageIndex,
  ownerEmails: ReadonlyMap<string, string | null>,
  segments: SegmentMapping,
  timeZone = 'UTC',
): SyncedDeal {
  const dateOf = (value: string | null | undefined) => crmDate(value, timeZone)
  const p = d.properties
  const pipeline = p.pipeline ?? 'default'
  const stageOf = (id: string | null | undefined) => (id ? (stages.byKey.get(`${pipeline}:${id}`) ?? stages.byId.get(id)) : undefined)
  const current = stageOf(p.dealstage)
  const label = current?.label ?? p.dealstage ?? 'Unknown'
  const won = p.hs_is_closed_won != null ? p.hs_is_closed_won === 'true' : (current?.isWon ?? false)
  const closed = won || (p.hs_is_closed != null ? p.hs_is_closed === 'true' : (current?.isClosed ?? false))
  const outcome = won ? 'won' : closed ? 'lost' : 'open'

  const raw = d.propertiesWithHistory?.dealstage
  // HubSpot lists a property's history newest first: read oldest first, so that changes sharing a
  // millisecond (a workflow moving the deal on at once) keep their order.
  const oldestFirst =
    raw == null ||
    raw.length < 2 ||
    Date.parse((raw[0] as { timestamp: string }).timestamp) < Date.parse((raw[raw.length - 1] as { timestamp: string }).timestamp)
  const stays: StageStay[] | null =
    raw == null
      ? null
      : staysFromChanges(
          d.id,
          (oldestFirst ? raw : [...raw].reverse())
            .filter((h) => h.value !== null && h.value !== '')
            .map((h) => ({ stage: stageOf(h.value)?.label ?? (h.value as string), at: h.timestamp })),
          timeZone,
          label,
        )
  // An empty history (no change with a value) is no history: the store keeps the one it holds.
  const history = stays === null || stays.length === 0 ? null : stays

  let createdDate = dateOf(p.createdate) ?? dateOf(d.createdAt) ?? dateOf(p.hs_lastmodifieddate) ?? '1970-01-01'
  let closedDate: string | null = null
  if (closed) {
    const enteredClosed = history?.findLast((s) => stages.closedLabels.has(s.stage))?.enteredAt
    closedDate = dateOf(p.closedate) ?? dateOf(enteredClosed) ?? dateOf(p.hs_lastmodifieddate) ?? createdDate
    // Closed before its record was created (brought in from another CRM with its close date): it
    // closed then, and existed by then.
    if (closedDate < createdDate) createdDate = closedDate
  }
  // The stage a closed deal sits in is closed, whatever the pipeline's metadata says.
  const stage = outcome === 'lost' ? (lastOpenStage(history ?? [], (s) => stages.closedLabels.has(s) || s === label) ?? label) : label
  const last = history?.[history.length - 1]
  // Without a history, when the deal entered its stage: the stage-calculated property of its stage
  // (`hs_v2_date_entered_<stage id>`, or the legacy `hs_date_entered_<stage id>`), else its last change.
  const enteredProp = p.dealstage
    ? stageEnteredProperties(p.dealstage)
        .map((k) => p[k])
        .find((v) => v != null && v !== '')
    : null
  const enteredNow = history === null ? stayInstant(enteredProp, timeZone) : null
  // A number as HubSpot writes it (`1234.5`, `1.5E+7`), or a text amount property carrying a
  // currency sign or thousands separators (`$1,234.50`).
  const plain = p.amount == null || p.amount.trim() === '' ? Number.NaN : Number(p.amount)
  const amount = Number.isFinite(plain) || p.amount == null ? plain : (parseAmount(p.amount) ?? Number.NaN)
  // No amount (blank or 0, as a deal nobody has priced yet shows), or one no deal can have, is
  // missing: stored as 0 in the amount band Unknown.
  const amountKnown = Number.isFinite(amount) && amount > 0 && amount <= MAX_DEAL_AMOUNT
  const ownerId = p.hubspot_owner_id || 'unassigned'
  const seg = (name: string) => {
    const v = p[name]
    return v === null || v === undefined || v.trim() === '' ? 'Unknown' : clipKey(v)
  }

  const deal: NormalizedDeal = {
    dealId: d.id,
    source: 'hubspot',
    name: p.dealname ?? null,
    ownerId,
    ownerEmail: ownerEmails.get(ownerId) ?? null,
    createdDate,
    closedDate,
    outcome,
    stage,
    stageEnteredDate: last && last.stage === label ? dateOf(last.enteredAt) : enteredNow === null ? null : dateOf(enteredNow),
    amount: amountKnown ? amount : 0,
    ...(amountKnown ? {} : { amountMissing: true }),
    currency: p.deal_currency_code ?? null,
    industry: seg(segments.industry),
    region: seg(segments.region),
    productType: seg(segments.productType),
    leadSource: seg(segments.leadSource),
    salesCycleDays: closedDate === null ? null : daysBetween(createdDate, closedDate),
    lastActivityDate: dateOf(p.notes_last_updated),
    updatedDate: dateOf(p.hs_lastmodifieddate) ?? dateOf(d.updatedAt),
    crmUrl: d.url ?? null,
    archived: false,
    extra: null,
  }
  if (history !== null) return { deal, history }
  return { deal, history, stageChangedAt: enteredNow, modifiedAt: stayInstant(p.hs_lastmodifieddate ?? d.updatedAt, timeZone) }
}
