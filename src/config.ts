import { existsSync, readFileSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { parse as parseDotenv } from 'dotenv'
import cron from 'node-cron'
import { z } from 'zod'
import { calendarDayProblem, todayIn } from './domain/dates.js'
import { DEFAULT_STAGES } from './domain/default-stages.js'
import { editDistance } from './domain/edit-distance.js'
import { readPostgresUrl } from './domain/read-postgres-url.js'
import { isLostStageName, isWonStageName } from './domain/stages-from-names.js'
import { AppError } from './errors.js'

export { DEFAULT_STAGES }

/** A number in decimal notation: `14`, `-3`, `50000.5`, `5e4`. */
const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/**
 * Charts that may wait to be drawn at once by default (`PULSE_CHART_QUEUE_MAX`): far above a burst
 * of a few hundred different reports asked for within a minute (identical ones are drawn once),
 * while a runaway flood is told to try again instead of queueing without end.
 */
export const DEFAULT_CHART_QUEUE_MAX = 1000

/** A number read from `name`: `fallback` when unset or empty; otherwise it must satisfy `rule` (said in `what`, with `fallback` as the example). */
const numberSetting = (name: string, fallback: number, what: string, rule: (n: number) => boolean) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback
      // Decimal notation only: Number() would also read 0x10 (16), 0b11 and 0o7.
      const n = DECIMAL_NUMBER.test(value.trim()) ? Number(value) : Number.NaN
      if (!Number.isFinite(n) || !rule(n)) {
        ctx.addIssue({ code: 'custom', message: `${name} must be ${what}, such as ${fallback}, got "${value}"` })
        return z.NEVER
      }
      return n
    })

const nonNegativeNumber = (name: string, fallback: number) =>
  numberSetting(name, fallback, 'a non-negative number in plain digits (no thousands separator, currency sign or "k")', (n) => n >= 0)

/** The longest idle or stale limit taken, in days (100 years): past it, "as of" minus the limit is no date at all. */
export const MAX_SETTING_DAYS = 36_500

const wholeDays = (name: string, fallback: number) =>
  numberSetting(
    name,
    fallback,
    `a whole number of days from 1 to ${MAX_SETTING_DAYS.toLocaleString('en-US')}`,
    (n) => Number.isInteger(n) && n >= 1 && n <= MAX_SETTING_DAYS,
  )

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))

// A shell expands `~/` in `PULSE_DB=~/pulse.db`; .env, Docker and systemd do not, and SQLite would
// create a folder named `~` in the working folder. A leading `~` alone or before a slash is the home folder.
const optionalPath = optionalString.transform((v) => (v !== undefined && /^~(?=$|[\\/])/.test(v) ? join(homedir(), v.slice(1)) : v))

/** True when `value` parses as a URL with one of `protocols` and a host. */
function isUrl(value: string, protocols: readonly string[]): boolean {
  try {
    const url = new URL(value)
    return protocols.includes(url.protocol) && url.hostname !== ''
  } catch {
    return false
  }
}

// URL messages never repeat the value: it may carry a password or token.
const optionalUrl = (name: string) =>
  optionalString.refine((v) => v === undefined || isUrl(v, ['http:', 'https:']), {
    message: `${name} must be an http(s) URL such as https://example.com`,
  })

// Checked here, not when the scheduler starts, so a bad value stops `pulse serve` before it listens.
const optionalSchedule = (name: string) =>
  optionalString.superRefine((v, ctx) => {
    if (v !== undefined && !cron.validate(v))
      ctx.addIssue({
        code: 'custom',
        message: `${name} "${v}" is not a cron expression. Use five fields (minute hour day month weekday), or six with seconds first, e.g. "0 */4 * * *"`,
      })
  })

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name })
    return true
  } catch {
    return false
  }
}

// Sent as an HTTP header, where a space, a line break or a character outside ASCII (a curly quote
// pasted with the token) cannot travel: said here instead of
// as a failed request blamed on the service, whose error would quote the token past the line
// break (where the log's redaction no longer sees a token). The message never repeats the value.
const headerToken = (name: string, what: string) =>
  optionalString.refine((v) => v === undefined || /^[\x21-\x7e]*$/.test(v), {
    message: `${name} has a space, a line break, a control character or a character outside ASCII (a curly quote?) in it, which no ${what} has. Set it to the token alone, on one line, without "Bearer "`,
  })

const envSchema = z.object({
  PULSE_DB: optionalPath,
  // The host may be empty: `postgresql:///pulse?host=/var/run/postgresql` connects through a
  // socket, and `postgres://USER:PASSWORD@/pulse?host=...` names the host in the query.
  PULSE_DATABASE_URL: optionalString.refine(
    (v) => v === undefined || (/^postgres(ql)?:\/\//i.test(v) && readPostgresUrl(v) !== undefined),
    {
      message:
        'PULSE_DATABASE_URL must be a PostgreSQL URL such as postgres://pulse@db.example.com:5432/pulse (the password after the user name and a colon, or in PGPASSWORD; a user name or password with @, #, /, : or ? in it percent-encoded: %40, %23, %2F, %3A, %3F)',
    },
  ),
  PULSE_AS_OF: optionalString.superRefine((v, ctx) => {
    const problem = v === undefined ? null : calendarDayProblem(v)
    if (problem !== null) ctx.addIssue({ code: 'custom', message: `PULSE_AS_OF "${v}" ${problem}; set it like 2024-07-20` })
  }),
  PULSE_STAGES: optionalString.transform((value, ctx) => {
    if (value === undefined) return undefined
    const stages = parseStageList(value)
    // `Demo` and `DEMO` are one stage spelt twice: the funnel would show a stage no deal stops at.
    const keys = stages.map((stage) => stage.toLowerCase())
    const repeated = [...new Set(stages.filter((_, i) => keys.indexOf(keys[i] as string) !== i))].map((again) => {
      const first = stages[keys.indexOf(again.toLowerCase())] as string
      return first === again ? again : `${first} (as ${again})`
    })
    if (stages.length === 0) ctx.addIssue({ code: 'custom', message: 'PULSE_STAGES is set but names no stage; list them comma-separated' })
    else if (repeated.length > 0)
      ctx.addIssue({
        code: 'custom',
        message: `PULSE_STAGES names ${repeated.join(', ')} more than once; list each stage once, in pipeline order`,
      })
    // With only won or lost ends there is no stage an open deal can be in: every funnel and loss report would be empty.
    else if (stages.every((stage) => isWonStageName(stage) || isLostStageName(stage)))
      ctx.addIssue({
        code: 'custom',
        message: `PULSE_STAGES names no open stage (${stages.join(', ')} ${stages.length === 1 ? 'is an end stage' : 'are end stages'}); list the stages an open deal goes through, in pipeline order, then the won end, for example Qualified,Demo,Proposal,Closed`,
      })
    return stages
  }),
  PULSE_ALERT_AMOUNT: nonNegativeNumber('PULSE_ALERT_AMOUNT', 50_000),
  PULSE_IDLE_DAYS: wholeDays('PULSE_IDLE_DAYS', 14),
  PULSE_STALE_DAYS: wholeDays('PULSE_STALE_DAYS', 30),
  PULSE_ROSTER: optionalPath,
  // An id, not a name: a chart is shared into the channel by id only (files.completeUploadExternal).
  PULSE_ALERT_CHANNEL: optionalString.refine((v) => v === undefined || /^[CG][A-Z0-9]{2,}$/.test(v), {
    message:
      "PULSE_ALERT_CHANNEL must be a channel id such as C0123456789, not the channel's name (in Slack, the id is at the bottom of the channel's details)",
  }),
  PULSE_TZ: optionalString.superRefine((v, ctx) => {
    if (v !== undefined && !isTimeZone(v))
      ctx.addIssue({ code: 'custom', message: `PULSE_TZ "${v}" is not a time zone. Use an IANA name such as Europe/Berlin or UTC` })
  }),
  PULSE_LOG_LEVEL: optionalString.refine(
    (v) => v === undefined || ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(v),
    { message: 'PULSE_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent' },
  ),
  PULSE_PUBLIC_URL: optionalUrl('PULSE_PUBLIC_URL'),
  SLACK_BOT_TOKEN: headerToken('SLACK_BOT_TOKEN', 'Slack token'),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: headerToken('SLACK_APP_TOKEN', 'Slack token'),
  SLACK_API_URL: optionalUrl('SLACK_API_URL'),
  // 0 asks the system for any free port (test harnesses do); `pulse serve` says which it got.
  PORT: numberSetting('PORT', 3000, 'a port number from 0 (any free port) to 65535', (n) => Number.isInteger(n) && n >= 0 && n <= 65_535),
  HUBSPOT_TOKEN: headerToken('HUBSPOT_TOKEN', 'private-app token'),
  HUBSPOT_API_URL: optionalUrl('HUBSPOT_API_URL'),
  SALESFORCE_URL: optionalUrl('SALESFORCE_URL'),
  SALESFORCE_CLIENT_ID: optionalString,
  SALESFORCE_CLIENT_SECRET: optionalString,
  HUBSPOT_BURST_LIMIT: numberSetting(
    'HUBSPOT_BURST_LIMIT',
    100,
    'a whole number of requests, 1 or more',
    (n) => Number.isInteger(n) && n >= 1,
  ),
  HUBSPOT_REGION_PROPERTY: optionalString,
  HUBSPOT_INDUSTRY_PROPERTY: optionalString,
  HUBSPOT_PRODUCT_PROPERTY: optionalString,
  HUBSPOT_LEAD_SOURCE_PROPERTY: optionalString,
  HUBSPOT_PIPELINE: optionalString,
  SALESFORCE_REGION_FIELD: optionalString,
  SALESFORCE_INDUSTRY_FIELD: optionalString,
  SALESFORCE_PRODUCT_FIELD: optionalString,
  SALESFORCE_LEAD_SOURCE_FIELD: optionalString,
  PULSE_SYNC_SCHEDULE: optionalSchedule('PULSE_SYNC_SCHEDULE'),
  PULSE_RETRAIN_SCHEDULE: optionalSchedule('PULSE_RETRAIN_SCHEDULE'),
  PULSE_ALERTS_SCHEDULE: optionalSchedule('PULSE_ALERTS_SCHEDULE'),
  PULSE_ANOMALY_SCHEDULE: optionalSchedule('PULSE_ANOMALY_SCHEDULE'),
  PULSE_COMMANDS_PER_MINUTE: numberSetting(
    'PULSE_COMMANDS_PER_MINUTE',
    0,
    'a whole number of commands per person per minute (0 for no limit)',
    (n) => Number.isInteger(n) && n >= 0,
  ),
  PULSE_CHART_QUEUE_MAX: numberSetting(
    'PULSE_CHART_QUEUE_MAX',
    DEFAULT_CHART_QUEUE_MAX,
    'a whole number of charts that may wait to be drawn (0 for no limit)',
    (n) => Number.isInteger(n) && n >= 0,
  ),
  PULSE_SLACK_OTHER_WORKSPACES: optionalString.refine((v) => v === undefined || v === 'log' || v === 'refuse', {
    message: 'PULSE_SLACK_OTHER_WORKSPACES must be log (the default) or refuse',
  }),
  PULSE_OUTBOX_LEASE_MS: optionalString.refine((v) => v === undefined || /^[1-9][0-9]*$/.test(v), {
    message: 'PULSE_OUTBOX_LEASE_MS must be a whole number of milliseconds, e.g. 60000',
  }),
})

/** Every environment variable {@link loadConfig} reads (`.env.example` lists each one). */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(envSchema.shape))

/** Validated, frozen configuration. Secrets are kept here and nowhere else. */
export interface Config {
  readonly dbPath: string
  readonly databaseUrl: string | undefined
  readonly asOf: string | undefined
  readonly stages: readonly string[]
  readonly alertAmount: number
  readonly idleDays: number
  readonly staleDays: number
  readonly rosterPath: string | undefined
  readonly alertChannel: string | undefined
  readonly timezone: string
  readonly logLevel: string
  readonly publicUrl: string | undefined
  readonly port: number
  readonly slack: {
    readonly botToken: string | undefined
    readonly signingSecret: string | undefined
    readonly appToken: string | undefined
    readonly apiUrl: string | undefined
  }
  readonly hubspot: {
    readonly token: string | undefined
    readonly apiUrl: string
    /** Requests per 10 s we allow ourselves (`HUBSPOT_BURST_LIMIT`: 100 Free/Starter, 190 Professional/Enterprise). */
    readonly burstLimit: number
    readonly segments: SegmentMapping
    /** `HUBSPOT_PIPELINE`: the one deal pipeline to read (id or label); undefined reads every pipeline. */
    readonly pipeline: string | undefined
  }
  readonly salesforce: {
    readonly url: string | undefined
    readonly clientId: string | undefined
    readonly clientSecret: string | undefined
    readonly segments: SegmentMapping
  }
  /** Cron expressions (in `timezone`) of the scheduled jobs. */
  readonly schedules: JobSchedules
  /**
   * `PULSE_OUTBOX_LEASE_MS`: how long a claim on an outbox message holds before another instance
   * (PostgreSQL, default `OUTBOX_LEASE_MS`, 60 s) or a restarted one (SQLite, default
   * `OUTBOX_SETTLE_MS`, 35 s) may take it over. Keep it longer than any single Slack call.
   */
  readonly outboxLeaseMs: number | undefined
  /**
   * `PULSE_COMMANDS_PER_MINUTE`: the reports `/pulse` (and its Share button) runs for one person
   * in a minute before they are asked to slow down (default 0: no limit).
   */
  readonly commandsPerMinute: number
  /**
   * `PULSE_CHART_QUEUE_MAX`: how many charts for Slack (answers, Home tabs, alerts) may wait their
   * turn to be drawn at once (default {@link DEFAULT_CHART_QUEUE_MAX}; 0: no limit); a chart asked
   * for beyond it is not drawn, and whoever asked is told to try again in a minute.
   */
  readonly chartQueueMax: number
  /**
   * `PULSE_SLACK_OTHER_WORKSPACES`: what a request from another Slack workspace or organization
   * than the bot token's gets. `log` (default): a warning in the log, then the usual access rules
   * (the roster, by the email Slack gives for the person). `refuse`: one private sentence, no data.
   */
  readonly slackOtherWorkspaces: 'log' | 'refuse'
}

/** Which CRM property (HubSpot) or field path (Salesforce, `Account.Industry` allowed) feeds each segment. */
export interface SegmentMapping {
  readonly region: string
  readonly industry: string
  readonly productType: string
  readonly leadSource: string
}

/** Cron expressions of the scheduled jobs (node-cron syntax, evaluated in `PULSE_TZ`). */
export interface JobSchedules {
  /** `PULSE_SYNC_SCHEDULE`: CRM sync, then scoring and the Home tabs (default every 4 hours). */
  readonly sync: string
  /** `PULSE_RETRAIN_SCHEDULE`: model retraining (default Mondays 03:00). */
  readonly retrain: string
  /** `PULSE_ALERTS_SCHEDULE`: stalled-deal DMs (default weekdays 09:00). */
  readonly stalledAlerts: string
  /** `PULSE_ANOMALY_SCHEDULE`: the win-rate anomaly check (default daily 08:00). */
  readonly anomalyCheck: string
}

/** Parses `PULSE_STAGES` ("A, B ,C") into a stage list; empty entries are dropped. */
export function parseStageList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

/**
 * The day the app counts as today: `PULSE_AS_OF` when set, else today in `PULSE_TZ`.
 * @example todayOf(config) // '2026-11-27'
 */
export function todayOf(config: Pick<Config, 'asOf' | 'timezone'>): string {
  return config.asOf ?? todayIn(config.timezone)
}

/**
 * Reads the configuration from `env` (default `process.env`, plus `./.env` when present and
 * `env` is `process.env`). Pure in `env`: tests pass their own object.
 *
 * @throws AppError `bad_config` naming every malformed variable.
 */
export function loadConfig(env: Record<string, string | undefined> = withDotenv(process.env)): Config {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const name = String(i.path[0])
      return i.message.includes(name) ? i.message : `${name}: ${i.message}`
    })
    throw new AppError('bad_config', `Configuration problem: ${problems.join('; ')}. Fix it in your environment or .env.`)
  }
  const e = parsed.data
  const stages = e.PULSE_STAGES ?? [...DEFAULT_STAGES]
  return Object.freeze({
    dbPath: e.PULSE_DB ?? './data/pulse.db',
    databaseUrl: e.PULSE_DATABASE_URL,
    asOf: e.PULSE_AS_OF,
    stages: Object.freeze(stages),
    alertAmount: e.PULSE_ALERT_AMOUNT,
    idleDays: e.PULSE_IDLE_DAYS,
    staleDays: e.PULSE_STALE_DAYS,
    rosterPath: e.PULSE_ROSTER,
    alertChannel: e.PULSE_ALERT_CHANNEL,
    timezone: e.PULSE_TZ ?? 'UTC',
    logLevel: e.PULSE_LOG_LEVEL ?? 'info',
    publicUrl: e.PULSE_PUBLIC_URL,
    port: e.PORT,
    slack: Object.freeze({
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
    }),
    hubspot: Object.freeze({
      token: e.HUBSPOT_TOKEN,
      apiUrl: e.HUBSPOT_API_URL ?? 'https://api.hubapi.com',
      burstLimit: e.HUBSPOT_BURST_LIMIT,
      segments: Object.freeze({
        region: e.HUBSPOT_REGION_PROPERTY ?? 'region',
        industry: e.HUBSPOT_INDUSTRY_PROPERTY ?? 'industry',
        productType: e.HUBSPOT_PRODUCT_PROPERTY ?? 'dealtype',
        leadSource: e.HUBSPOT_LEAD_SOURCE_PROPERTY ?? 'hs_analytics_source',
      }),
      pipeline: e.HUBSPOT_PIPELINE,
    }),
    salesforce: Object.freeze({
      url: e.SALESFORCE_URL,
      clientId: e.SALESFORCE_CLIENT_ID,
      clientSecret: e.SALESFORCE_CLIENT_SECRET,
      segments: Object.freeze({
        region: e.SALESFORCE_REGION_FIELD ?? 'Account.BillingCountry',
        industry: e.SALESFORCE_INDUSTRY_FIELD ?? 'Account.Industry',
        productType: e.SALESFORCE_PRODUCT_FIELD ?? 'Type',
        leadSource: e.SALESFORCE_LEAD_SOURCE_FIELD ?? 'LeadSource',
      }),
    }),
    schedules: Object.freeze({
      sync: e.PULSE_SYNC_SCHEDULE ?? '0 */4 * * *',
      retrain: e.PULSE_RETRAIN_SCHEDULE ?? '0 3 * * 1',
      stalledAlerts: e.PULSE_ALERTS_SCHEDULE ?? '0 9 * * 1-5',
      anomalyCheck: e.PULSE_ANOMALY_SCHEDULE ?? '0 8 * * *',
    }),
    outboxLeaseMs: e.PULSE_OUTBOX_LEASE_MS === undefined ? undefined : Number(e.PULSE_OUTBOX_LEASE_MS),
    commandsPerMinute: e.PULSE_COMMANDS_PER_MINUTE,
    chartQueueMax: e.PULSE_CHART_QUEUE_MAX,
    slackOtherWorkspaces: e.PULSE_SLACK_OTHER_WORKSPACES === 'refuse' ? 'refuse' : 'log',
  })
}

/**
 * Names the variables among `names` that are unset in `config`'s source and throws
 * `bad_config` listing them, so a feature that needs credentials fails with the fix;
 * `alternative`, when given, follows the names in brackets (another way to configure it).
 */
export function requireSettings(missing: Array<[name: string, value: string | undefined]>, feature: string, alternative?: string): void {
  const absent = missing.filter(([, v]) => v === undefined).map(([n]) => n)
  if (absent.length > 0) {
    throw new AppError(
      'bad_config',
      `${feature} needs ${absent.join(', ')}${alternative ? ` (${alternative})` : ''}. Set ${absent.length > 1 ? 'them' : 'it'} in your environment or .env (see .env.example).`,
    )
  }
}

/** `env` overlaid on the values of the `.env` file at `path` (default `./.env`), when it exists; the environment wins. */
export function withDotenv(env: NodeJS.ProcessEnv, path = '.env'): Record<string, string | undefined> {
  if (!existsSync(path)) return env
  const fromFile = readDotenv(path)
  // A value cut short by a # is refused, unless the environment sets it (then the file's is not read).
  const cut = valuesCutAtHash(readFileSync(path, 'utf8'), fromFile).filter(({ name }) => env[name] === undefined)
  if (cut.length > 0) {
    throw new AppError(
      'bad_config',
      `${path} ${cut.map(({ line, name }) => `line ${line} (${name})`).join(', ')}: a # with no space before it starts a comment in .env, so only the part before it would be read. Put the whole value in single quotes (NAME='...'), or a space before the # when the rest is a comment.`,
    )
  }
  return { ...fromFile, ...env }
}

/**
 * The settings of `.env` text whose unquoted value has a `#` right after other text or the `=`
 * (`HUBSPOT_PIPELINE=Pipeline#2`, `PULSE_ALERT_CHANNEL=#sales`): dotenv reads everything from the `#` on as a comment, where a
 * shell or Docker Compose keep it, so the value would be cut short without a word. Only lines
 * `parsed` (dotenv's reading of `text`) confirms were cut are named, with their 1-based number.
 * @example valuesCutAtHash('A=x#y\n', { A: 'x' }) // [{ line: 1, name: 'A' }]
 */
export function valuesCutAtHash(text: string, parsed: Record<string, string>): Array<{ line: number; name: string }> {
  const cut = new Map<string, number>()
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const m = /^\s*(?:export\s+)?([\w.-]+)\s*=(\s*)(.*)$/.exec(raw)
    if (!m) return
    const [, name = '', space = '', value = ''] = m
    if (/^['"`]/.test(value)) return
    // `NAME=#sales` as much as `NAME=Demo#2`: a # right after the = or after other text.
    const inside = value.search(/\S#/)
    const hash = space === '' && value.startsWith('#') ? 0 : inside >= 0 ? inside + 1 : -1
    if (hash >= 0 && parsed[name] === value.slice(0, hash).trim()) cut.set(name, i + 1)
    else cut.delete(name)
  })
  return [...cut].map(([name, line]) => ({ line, name })).sort((a, b) => a.line - b.line)
}

/**
 * The settings of the `.env` file at `path`, which exists.
 *
 * @throws AppError `bad_config` when it is a folder (as a Docker bind mount of a missing file
 * makes), cannot be read, or is not UTF-8 text (UTF-16, as Windows editors may save it): each would
 * otherwise leave every setting in it unread, or stop with an internal error.
 */
function readDotenv(path: string): Record<string, string> {
  let bytes: Buffer
  try {
    if (statSync(path).isDirectory()) {
      throw new AppError(
        'bad_config',
        `${path} is a folder, not a settings file: remove it (or mount a .env file there), or set the variables in the environment.`,
      )
    }
    bytes = readFileSync(path)
  } catch (error) {
    if (error instanceof AppError) throw error
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw new AppError(
      'bad_config',
      `${path} cannot be read (${code}): check its permissions, or remove it and set the variables in the environment.`,
      {
        cause: error,
      },
    )
  }
  // UTF-16 has a NUL byte in every ASCII character; dotenv would read no setting from it, silently.
  if (bytes.includes(0) || (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new AppError('bad_config', `${path} is not UTF-8 text (saved as UTF-16?), so none of its settings can be read: save it as UTF-8.`)
  }
  return parseDotenv(bytes)
}

/** dotenv's own line pattern (dotenv 16-18 `parse`): what it matches is read, any other line is skipped without a word. */
const DOTENV_LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm

/**
 * The numbers (1-based) of the lines of the `.env` file at `path` that set nothing although they
 * are neither blank nor a comment (`PULSE_IDLE_DAYS 7`, `PULSE ALERT AMOUNT=1`): dotenv skips them
 * silently, leaving the default in force. Only numbers, as such a line may hold a secret. Empty without a file.
 * @example unreadDotenvLines() // [3]
 */
export function unreadDotenvLines(path = '.env'): number[] {
  if (!existsSync(path)) return []
  readDotenv(path)
  const text = readFileSync(path, 'utf8').replace(/\r\n?/g, '\n')
  const read: Array<[number, number]> = []
  for (const m of text.matchAll(DOTENV_LINE)) read.push([m.index, m.index + m[0].length])
  const unread: number[] = []
  let at = 0
  text.split('\n').forEach((line, i) => {
    const first = at + (line.length - line.trimStart().length)
    at += line.length + 1
    const body = line.trim().replace(/^\ufeff/, '')
    if (body === '' || body.startsWith('#')) return
    if (!read.some(([start, end]) => start <= first && first < end)) unread.push(i + 1)
  })
  return unread
}

/** Settings read apart from {@link loadConfig}. */
const OTHER_SETTINGS = ['PULSE_DEBUG']

/**
 * Names set in the `.env` file at `path` that Sales Pulse does not read although they look like
 * its settings: any `PULSE_` name, or a name one or two letters away from a setting (a typo such
 * as `SLACK_BOT_TOKN`), each with the setting it is closest to, if any. Empty without a file.
 * @example unknownDotenvSettings() // [{ name: 'PULSE_IDLE_DAY', closest: 'PULSE_IDLE_DAYS' }]
 */
export function unknownDotenvSettings(path = '.env'): Array<{ name: string; closest: string | undefined }> {
  if (!existsSync(path)) return []
  const known = [...CONFIG_VARIABLES, ...OTHER_SETTINGS]
  const out: Array<{ name: string; closest: string | undefined }> = []
  for (const name of Object.keys(readDotenv(path))) {
    if (known.includes(name)) continue
    const near = known
      .map((k) => ({ k, d: editDistance(name.toUpperCase(), k) }))
      .filter((c) => c.d <= 2)
      .sort((a, b) => a.d - b.d)[0]?.k
    if (near !== undefined || name.toUpperCase().startsWith('PULSE_')) out.push({ name, closest: near })
  }
  return out
}

/**
 * Whether `PULSE_DEBUG` is set (in the environment, or in `./.env` as every setting may be): the
 * CLI then prints the stack of an unexpected error. Read apart from {@link loadConfig}, so it also
 * works when the rest of the configuration is broken.
 */
export function debugRequested(env?: Record<string, string | undefined>): boolean {
  const value = (env ?? processEnvForDebug()).PULSE_DEBUG?.trim().toLowerCase()
  return value !== undefined && value !== '' && value !== '0' && value !== 'false'
}

// Asked while reporting another error: a .env that cannot be read leaves the environment alone.
function processEnvForDebug(): Record<string, string | undefined> {
  try {
    return withDotenv(process.env)
  } catch {
    return process.env
  }
}

/** Who runs a CLI command, recorded with imports and syncs: the login name (`USER`), or null. */
export function commandUser(env: Record<string, string | undefined> = process.env): string | null {
  return env.USER?.trim() || null
}
