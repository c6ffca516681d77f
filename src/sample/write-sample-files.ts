import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { addDays, dayNumber } from '../domain/dates.js'
import { AppError } from '../errors.js'
import { createPrng, cumulativeWeights, type Prng } from './create-prng.js'
import { createSampleOwners, type SampleOwner, sampleRosterYaml } from './sample-owners.js'
import {
  FLAT_EFFECTS,
  HISTORY_DAYS,
  INDUSTRIES,
  LEAD_SOURCES,
  PLANTED_EFFECTS,
  PRODUCTS,
  SAMPLE_STAGES,
  type SampleEffects,
} from './sample-profile.js'

/** What to generate. */
export interface SampleOptions {
  /** The CSV to write; the truth and roster files go beside it. */
  out: string
  /** Number of deals (default 6,000). */
  deals?: number
  /** Any number or text; the same seed gives the same files. Default `1`. */
  seed?: string | number
  /** The last day of the history, `YYYY-MM-DD`. */
  asOf: string
  /** `planted` (default) or `none` (no planted effect at all). */
  patterns?: 'planted' | 'none'
}

/** What was written, with a few counts for the summary. */
export interface SampleSummary {
  csv: string
  truth: string
  roster: string
  deals: number
  won: number
  lost: number
  open: number
  /** Owners of the deals written (a small sample leaves some reps of the roster without a deal). */
  owners: number
  patterns: 'planted' | 'none'
  asOf: string
  seed: string
  seconds: number
}

/** Days before the history whose dates are at hand too (deals open when it begins). */
const HISTORY_LEAD_DAYS = 400

/** Default number of deals of `pulse sample`. */
export const DEFAULT_SAMPLE_DEALS = 6000

/** The header of the sample CSV (the import columns of contract.md plus `stage_history`). */
export const SAMPLE_CSV_HEADER =
  'deal_id,deal_name,created_date,closed_date,sales_rep_id,owner_email,industry,region,product_type,lead_source,deal_stage,deal_amount,currency,sales_cycle_days,outcome,last_activity_date,updated_date,stage_entered_date,stage_history'

/** The header of the truth file. */
export const SAMPLE_TRUTH_HEADER = 'deal_id,true_win_probability,final_outcome,is_open'

/** `deals.csv` -> `deals.truth.csv` and `deals.roster.yml` (the `.csv` suffix is replaced when present). */
export function sampleSidePaths(out: string): { truth: string; roster: string } {
  const base = out.toLowerCase().endsWith('.csv') ? out.slice(0, -4) : out
  return { truth: `${base}.truth.csv`, roster: `${base}.roster.yml` }
}

const DAY_MS = 86_400_000
const CHUNK_BYTES = 4 << 20

/**
 * Writes a deterministic, realistic deals CSV (streamed in chunks, so a million deals need
 * little memory), the truth file (`deal_id,true_win_probability,final_outcome,is_open`: the
 * probability each deal's outcome was drawn from and, for open deals, the outcome they will have)
 * and a roster YAML. docs/sample.md describes the planted patterns.
 *
 * Each deal's win probability depends only on what is known while it is open (owner, region,
 * industry, product, lead source, amount, created date); every outcome, closed or still to come,
 * is one draw from it.
 *
 * @throws AppError `bad_file` when a path holds a folder, device or pipe (the message says what to do);
 *   the file system's error when a file cannot be written.
 */
export function writeSampleFiles(options: SampleOptions): SampleSummary {
  const started = performance.now()
  const n = options.deals ?? DEFAULT_SAMPLE_DEALS
  const seed = String(options.seed ?? 1)
  const patterns = options.patterns ?? 'planted'
  const effects = patterns === 'none' ? FLAT_EFFECTS : PLANTED_EFFECTS
  // One stream for both modes (seeded as the planted story always was): the company (reps, their
  // regions, the managers, the roster) is drawn first, so `--patterns none` with a seed is the same
  // company as the planted story with that seed, with nothing planted in its deals.
  const prng = createPrng(`${seed}:planted`)
  const asOfDay = Math.round(Date.parse(`${options.asOf}T00:00:00Z`) / DAY_MS)
  if (!Number.isFinite(asOfDay)) throw new Error(`as-of "${options.asOf}" is not a date`)
  // The calendar begins on 0001-01-01: a history reaching before it has no dates to write.
  const earliest = dayNumber('0001-01-01') + HISTORY_DAYS + HISTORY_LEAD_DAYS
  if (asOfDay < earliest) {
    throw new AppError(
      'bad_input',
      `A sample as of ${options.asOf} would begin before 0001-01-01, the first day of the calendar (its deals span the ${(HISTORY_DAYS + HISTORY_LEAD_DAYS).toLocaleString('en-US')} days before the as-of day); use --as-of ${addDays('0001-01-01', HISTORY_DAYS + HISTORY_LEAD_DAYS)} or later.`,
    )
  }
  const world = buildWorld(prng, n, effects, asOfDay)
  const { truth, roster } = sampleSidePaths(options.out)
  mkdirSync(dirname(options.out), { recursive: true })
  // The three files are written beside their places (`.part`) and moved there at the end: a
  // failure leaves no half-written file, and an earlier sample at that path stays as it was.
  // Only a regular file is replaced: moving a sample over a device or a pipe (/dev/full, say)
  // would replace that device for everyone when run as root.
  for (const path of [options.out, truth, roster]) {
    if (!existsSync(path)) continue
    const stat = statSync(path)
    if (stat.isDirectory())
      throw new AppError('bad_file', `Cannot write ${path}: it is a folder, not a file; move it away or choose another --out.`)
    if (!stat.isFile())
      throw new AppError(
        'bad_file',
        `Cannot write ${path}: it is a device, pipe or socket, not a file a sample can replace; choose another --out.`,
      )
  }
  const parts = [options.out, truth, roster].map((path) => `${path}.part`)
  let won = 0
  let lost = 0
  let open = 0
  // The owners of the deals written: a small sample leaves some of the company's reps without one.
  const ownerIds = new Set<string>()
  try {
    const csvFile = new ChunkedFile(parts[0] as string)
    try {
      const truthFile = new ChunkedFile(parts[1] as string)
      try {
        csvFile.write(`${SAMPLE_CSV_HEADER}\n`)
        truthFile.write(`${SAMPLE_TRUTH_HEADER}\n`)
        const idWidth = Math.max(6, String(n).length)
        for (let i = 0; i < n; i++) {
          const id = `D${String(i + 1).padStart(idWidth, '0')}`
          const deal = generateDeal(prng, world, effects, id)
          csvFile.write(deal.csvLine)
          truthFile.write(deal.truthLine)
          ownerIds.add(deal.ownerId)
          if (deal.isOpen) open++
          else if (deal.won) won++
          else lost++
        }
      } finally {
        truthFile.close()
      }
    } finally {
      csvFile.close()
    }
    writeFileSync(parts[2] as string, sampleRosterYaml(world.managers))
    renameSync(parts[0] as string, options.out)
    renameSync(parts[1] as string, truth)
    renameSync(parts[2] as string, roster)
  } catch (error) {
    for (const part of parts) rmSync(part, { force: true })
    throw error
  }
  return {
    csv: options.out,
    truth,
    roster,
    deals: n,
    won,
    lost,
    open,
    owners: ownerIds.size,
    patterns,
    asOf: options.asOf,
    seed,
    seconds: (performance.now() - started) / 1000,
  }
}

interface World {
  asOfDay: number
  owners: SampleOwner[]
  managers: ReturnType<typeof createSampleOwners>['managers']
  ownerCum: number[]
  industryCum: number[]
  productCum: number[]
  leadCum: number[]
  lostAtCum: number[]
  /** Deals created on or after this day carry the recent-drop penalty. */
  dropFromDay: number
  /** ISO date of day `asOfDay - HISTORY_DAYS - HISTORY_LEAD_DAYS + k`. */
  isoDay: string[]
  firstIsoDay: number
}

function buildWorld(prng: Prng, n: number, effects: SampleEffects, asOfDay: number): World {
  const ownerCount = Math.min(40, Math.max(20, Math.round(n / 200)))
  const { owners, managers } = createSampleOwners(prng, ownerCount, effects.ownerSkillSpread)
  const firstIsoDay = asOfDay - HISTORY_DAYS - HISTORY_LEAD_DAYS
  const isoDay: string[] = []
  for (let d = firstIsoDay; d <= asOfDay + 1200; d++) isoDay.push(new Date(d * DAY_MS).toISOString().slice(0, 10))
  // The drop hits deals created from ~8 days before the start of the 4th month before the
  // as-of month, so that the deals closing in the last three complete months carry it.
  const asOf = new Date(asOfDay * DAY_MS)
  // setUTCFullYear, not Date.UTC, which reads a year below 100 as 19xx.
  const dropStart = new Date(0).setUTCFullYear(asOf.getUTCFullYear(), asOf.getUTCMonth() - 4, 1) / DAY_MS - 8
  return {
    asOfDay,
    owners,
    managers,
    ownerCum: cumulativeWeights(owners.map((o) => o.weight)),
    industryCum: cumulativeWeights(INDUSTRIES.map((x) => x.share)),
    productCum: cumulativeWeights(PRODUCTS.map((x) => x.share)),
    leadCum: cumulativeWeights(LEAD_SOURCES.map((x) => x.share)),
    lostAtCum: cumulativeWeights(effects.lostAtShares),
    dropFromDay: dropStart,
    isoDay,
    firstIsoDay,
  }
}

const COMPANY_A = ['North', 'Blue', 'Bright', 'Silver', 'Iron', 'Clear', 'Red', 'Green', 'High', 'Stone', 'Swift', 'True']
const COMPANY_B = ['wind', 'harbor', 'peak', 'field', 'brook', 'line', 'forge', 'gate', 'works', 'ridge', 'light', 'path']
const COMPANY_C = ['Systems', 'Logistics', 'Health', 'Labs', 'Retail', 'Capital', 'Foods', 'Energy', 'Media', 'Group']
const DEAL_KIND = ['new business', 'expansion', 'renewal', 'pilot']

interface GeneratedDeal {
  /** The owner's id (`sales_rep_id`). */
  ownerId: string
  csvLine: string
  truthLine: string
  isOpen: boolean
  won: boolean
}

/** The win probability of a deal from what is known while it is open. */
function winProbability(
  effects: SampleEffects,
  world: World,
  owner: SampleOwner,
  industry: number,
  product: number,
  lead: number,
  amount: number,
  createdDay: number,
): number {
  if (effects.flatWinProbability !== null) return effects.flatWinProbability
  let logOdds =
    effects.baseLogOdds +
    owner.skill +
    (INDUSTRIES[industry]?.effect ?? 0) +
    (PRODUCTS[product]?.effect ?? 0) +
    (LEAD_SOURCES[lead]?.effect ?? 0) +
    effects.amountEffect * Math.log(amount / 25_000)
  if (owner.region === 'EMEA' && amount >= 50_000 && amount < 100_000) logOdds += effects.segmentPenalty
  if (createdDay >= world.dropFromDay) logOdds += effects.recentDropPenalty
  return 1 / (1 + Math.exp(-logOdds))
}

function generateDeal(prng: Prng, world: World, effects: SampleEffects, id: string): GeneratedDeal {
  const A = world.asOfDay
  const owner = world.owners[prng.weighted(world.ownerCum)] as SampleOwner
  const industry = prng.weighted(world.industryCum)
  const product = prng.weighted(world.productCum)
  const lead = prng.weighted(world.leadCum)
  const productDef = PRODUCTS[product] as (typeof PRODUCTS)[number]
  const rawAmount = Math.exp(Math.log(productDef.medianAmount) + productDef.sigma * prng.normal())
  const amount = Math.min(2_000_000, Math.max(1_000, Math.round(rawAmount / 10) * 10))

  // Volume grows ~30% over the history: density 1 + a*t/T, sampled by its inverse CDF.
  const growth = 0.3
  const u = prng.next()
  const t = ((-1 + Math.sqrt(1 + 2 * growth * u * (1 + growth / 2))) * HISTORY_DAYS) / growth
  const created = A - HISTORY_DAYS + Math.min(HISTORY_DAYS, Math.floor(t))

  const p = winProbability(effects, world, owner, industry, product, lead, amount, created)
  const won = prng.next() < p

  // Cycle length depends on nothing that drives the outcome, so the closed-month win rate has no
  // timing bias (not even in the first months of the history, which see only the quick closes).
  const cycle = Math.min(300, Math.max(4, Math.round(36 * Math.exp(0.5 * prng.normal()))))
  const f1 = 0.1 + 0.15 * prng.next()
  const f2 = f1 + 0.15 + 0.15 * prng.next()
  const f3 = f2 + 0.15 + 0.2 * prng.next()
  const entries = [created, created + Math.round(f1 * cycle), created + Math.round(f2 * cycle), created + Math.round(f3 * cycle)]
  let lastStage = won ? 3 : prng.weighted(world.lostAtCum)

  const zombie = prng.next() < effects.zombieRate
  let close = created + cycle
  let frozenAt = Number.POSITIVE_INFINITY
  if (zombie) {
    // A zombie goes quiet mid-cycle and closes weeks later: lost in a clean-up, or won after it
    // comes back to life (the delay is the same either way, so timing says nothing of the outcome).
    const u = prng.next()
    if (won || effects.zombieLostWhereQuiet) frozenAt = created + Math.round(cycle * (0.2 + 0.5 * u))
    else {
      // Quiet during the stage it will be lost at, so the stage lost at keeps its drawn share.
      const from = entries[lastStage] as number
      const to = lastStage + 1 < entries.length ? (entries[lastStage + 1] as number) : created + cycle
      frozenAt = from + Math.round(u * (to - from))
    }
    close = frozenAt + 35 + prng.int(0, 115)
  }
  const isOpen = close > A
  const iso = (day: number) => world.isoDay[day - world.firstIsoDay] as string

  let stageIndex: number
  let lastActivity: number
  let updated: number
  if (isOpen) {
    if (!zombie || frozenAt > A) {
      const highValue = amount >= 50_000
      const stallRate = highValue ? effects.highValueStallRate : effects.otherStallRate
      if (prng.next() < stallRate) frozenAt = A - prng.int(14, 35)
      else frozenAt = Number.POSITIVE_INFINITY
    }
    const until = Math.min(A, frozenAt)
    stageIndex = 0
    for (let s = 1; s <= lastStage; s++) if ((entries[s] as number) <= until) stageIndex = s
    if (frozenAt <= A) {
      lastActivity = Math.max(created, frozenAt)
    } else {
      const idle = Math.floor(-Math.log(1 - prng.next()) * 3)
      lastActivity = Math.max(entries[stageIndex] as number, A - idle)
    }
    updated = Math.max(lastActivity, entries[stageIndex] as number)
  } else {
    if (zombie && !won) lastStage = Math.min(lastStage, stageAt(entries, frozenAt))
    // A won zombie comes back to life: the stages it had not reached when it went quiet are
    // entered between the freeze and the close (evenly spaced), never after the close.
    if (zombie && won) {
      const from = stageAt(entries, frozenAt) + 1
      const steps = entries.length - from + 1
      for (let s = from; s < entries.length; s++) entries[s] = frozenAt + Math.round(((s - from + 1) * (close - frozenAt)) / steps)
    }
    stageIndex = won ? 4 : lastStage
    lastActivity = zombie && !won ? Math.max(created, frozenAt) : Math.max(created, close - prng.int(0, 4))
    updated = close
  }

  const stageDay = stageIndex === 4 ? close : (entries[stageIndex] as number)
  let history = ''
  const shown = isOpen ? stageIndex : lastStage
  for (let s = 0; s <= shown; s++) history += `${s === 0 ? '' : ';'}${SAMPLE_STAGES[s]}@${iso(entries[s] as number)}`
  if (!isOpen && won) history += `;Closed@${iso(close)}`

  const name = `${prng.pick(COMPANY_A)}${prng.pick(COMPANY_B)} ${prng.pick(COMPANY_C)} - ${productDef.name} ${prng.pick(DEAL_KIND)}`
  const outcome = isOpen ? 'Open' : won ? 'Won' : 'Lost'
  const csvLine =
    `${id},${name},${iso(created)},${isOpen ? '' : iso(close)},${owner.id},${owner.email},${INDUSTRIES[industry]?.name},` +
    `${owner.region},${productDef.name},${LEAD_SOURCES[lead]?.name},${SAMPLE_STAGES[stageIndex]},${amount},USD,` +
    `${isOpen ? '' : close - created},${outcome},${iso(lastActivity)},${iso(updated)},${iso(stageDay)},${history}\n`
  const truthLine = `${id},${p.toFixed(4)},${won ? 'Won' : 'Lost'},${isOpen ? 1 : 0}\n`
  return { ownerId: owner.id, csvLine, truthLine, isOpen, won }
}

function stageAt(entries: readonly number[], day: number): number {
  let s = 0
  for (let i = 1; i < entries.length; i++) if ((entries[i] as number) <= day) s = i
  return s
}

// Copies ASCII text into a 4 MB buffer and writes it out when nearly full, so memory stays flat
// for any number of deals. (Every character the generator writes is ASCII.)
class ChunkedFile {
  private readonly fd: number
  private readonly buffer = Buffer.allocUnsafe(CHUNK_BYTES)
  private used = 0

  constructor(path: string) {
    this.fd = openSync(path, 'w')
  }

  write(text: string): void {
    if (this.used + text.length > CHUNK_BYTES) this.flush()
    if (text.length > CHUNK_BYTES) writeSync(this.fd, text)
    else this.used += this.buffer.write(text, this.used, 'latin1')
  }

  close(): void {
    this.flush()
    closeSync(this.fd)
  }

  private flush(): void {
    let done = 0
    while (done < this.used) done += writeSync(this.fd, this.buffer, done, this.used - done)
    this.used = 0
  }
}
