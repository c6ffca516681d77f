import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  CONFIG_VARIABLES,
  commandUser,
  debugRequested,
  loadConfig,
  unknownDotenvSettings,
  unreadDotenvLines,
  withDotenv,
} from '../src/config.js'
import { AppError } from '../src/errors.js'
import { redactText } from '../src/log/create-logger.js'
import { tempDir, writeTempFile } from './helpers/test-store.js'

/** The `bad_config` message `env` is refused with (fails the test when it is accepted). */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env)
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('bad_config')
    return (error as AppError).message
  }
  throw new Error(`accepted ${JSON.stringify(env)}`)
}

describe('loadConfig', () => {
  it('takes a channel id for PULSE_ALERT_CHANNEL and refuses a channel name, saying where the id is', () => {
    expect(loadConfig({ PULSE_ALERT_CHANNEL: ' C0123456789 ' }).alertChannel).toBe('C0123456789')
    expect(loadConfig({ PULSE_ALERT_CHANNEL: 'G024BE91L' }).alertChannel).toBe('G024BE91L')
    for (const name of ['#sales-alerts', 'sales-alerts', 'c0123456789']) {
      const message = refusal({ PULSE_ALERT_CHANNEL: name })
      expect(message).toContain('PULSE_ALERT_CHANNEL must be a channel id such as C0123456789')
      expect(message).toContain("channel's details")
    }
  })

  it('uses the contract defaults when nothing is set', () => {
    const c = loadConfig({})
    expect(c).toMatchObject({ dbPath: './data/pulse.db', alertAmount: 50_000, idleDays: 14, staleDays: 30, port: 3000, asOf: undefined })
    expect(c.stages).toEqual(['Qualified', 'Demo', 'Proposal', 'Negotiation', 'Closed'])
    expect(Object.isFrozen(c)).toBe(true)
  })

  it('reads a ~ at the start of PULSE_DB and PULSE_ROSTER as the home folder, which .env and Docker do not expand', () => {
    const c = loadConfig({ PULSE_DB: '~/sales/pulse.db', PULSE_ROSTER: ' ~/roster.yml ' })
    expect(c.dbPath).toBe(join(homedir(), 'sales/pulse.db'))
    expect(c.rosterPath).toBe(join(homedir(), 'roster.yml'))
    // Only a leading ~ followed by a slash (or alone) is the home folder; elsewhere it is part of the name.
    expect(loadConfig({ PULSE_DB: '~' }).dbPath).toBe(homedir())
    expect(loadConfig({ PULSE_DB: './a~/pulse.db' }).dbPath).toBe('./a~/pulse.db')
    expect(loadConfig({ PULSE_ROSTER: '~other/roster.yml' }).rosterPath).toBe('~other/roster.yml')
  })

  it('reads well-formed values', () => {
    const c = loadConfig({
      PULSE_IDLE_DAYS: '10',
      PULSE_STALE_DAYS: '45',
      PULSE_ALERT_AMOUNT: '25000',
      PORT: '8080',
      PULSE_AS_OF: '2024-02-29',
      PULSE_STAGES: ' Lead , Won ',
      PULSE_DATABASE_URL: 'postgres://pulse:pw@db.internal:5432/pulse',
    })
    expect(c).toMatchObject({ idleDays: 10, staleDays: 45, alertAmount: 25_000, port: 8080, asOf: '2024-02-29' })
    expect(c.stages).toEqual(['Lead', 'Won'])
    expect(loadConfig({ PULSE_DATABASE_URL: 'postgresql:///pulse?host=/var/run/postgresql' }).databaseUrl).toMatch(/^postgresql:/)
    // libpq's form for a socket with a user and password (Cloud SQL's connector, for one): no host before the path.
    expect(loadConfig({ PULSE_DATABASE_URL: 'postgres://pulse:pw@/pulse?host=/cloudsql/proj:region:db' }).databaseUrl).toMatch(
      /^postgres:\/\/pulse:pw@\/pulse/,
    )
    expect(loadConfig({ PULSE_DATABASE_URL: 'postgresql://pulse@/pulse?host=/var/run/postgresql' }).databaseUrl).toMatch(/^postgresql:/)
    const scheduled = loadConfig({ PULSE_TZ: 'Europe/Berlin', PULSE_SYNC_SCHEDULE: '*/30 * * * *' })
    expect(scheduled.timezone).toBe('Europe/Berlin')
    expect(scheduled.schedules.sync).toBe('*/30 * * * *')
  })

  it('takes PORT=0, which asks the system for any free port, as test harnesses do', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0)
    expect(loadConfig({ PORT: '65535' }).port).toBe(65_535)
  })

  it.each([
    [
      'PULSE_ALERT_AMOUNT',
      '50,000',
      'PULSE_ALERT_AMOUNT must be a non-negative number in plain digits (no thousands separator, currency sign or "k"), such as 50000, got "50,000"',
    ],
    ['PULSE_ALERT_AMOUNT', '50k', 'such as 50000, got "50k"'],
    ['PULSE_IDLE_DAYS', '14 days', 'PULSE_IDLE_DAYS must be a whole number of days from 1 to 36,500, such as 14, got "14 days"'],
    ['PORT', '99999', 'PORT must be a port number from 0 (any free port) to 65535, such as 3000, got "99999"'],
    // A / or ? in the password ends the host part: the message says how to write it.
    ['PULSE_DATABASE_URL', 'postgres://pulse:p/ss@db/pulse', 'with @, #, /, : or ? in it percent-encoded: %40, %23, %2F, %3A, %3F'],
    ['PULSE_DATABASE_URL', 'postgres://pulse:p?ss@db/pulse', 'with @, #, /, : or ? in it percent-encoded: %40, %23, %2F, %3A, %3F'],
    ['PULSE_DATABASE_URL', 'postgres://pulse:p/ss@/pulse?host=/var/run/postgresql', 'percent-encoded: %40, %23, %2F, %3A, %3F'],
  ])('refuses %s=%s saying what to write, with an example', (name, value, said) => {
    expect(refusal({ [name]: value })).toContain(said)
  })

  it.each([
    ['PULSE_IDLE_DAYS', 'abc'],
    ['PULSE_IDLE_DAYS', '2.5'],
    ['PULSE_IDLE_DAYS', '0'],
    ['PULSE_STALE_DAYS', '-1'],
    ['PULSE_STALE_DAYS', '1.5'],
    ['PULSE_STALE_DAYS', '99999999999999999999'],
    ['PULSE_IDLE_DAYS', '1e300'],
    ['PULSE_IDLE_DAYS', '36501'],
    ['PULSE_ALERT_AMOUNT', '50k'],
    ['PORT', 'x'],
    ['PORT', '70000'],
    ['PORT', '3.5'],
    ['PORT', '-1'],
    ['PULSE_AS_OF', '2024-02-30'],
    ['PULSE_AS_OF', '2024-13-01'],
    ['PULSE_AS_OF', 'yesterday'],
    ['PULSE_STAGES', ','],
    ['PULSE_STAGES', 'Qualified,Demo,Qualified'],
    ['PULSE_STAGES', 'Qualified,Demo,DEMO'],
    ['PULSE_STAGES', 'Closed'],
    ['PULSE_DATABASE_URL', 'mysql://db/pulse'],
    ['PULSE_DATABASE_URL', 'postgres://db.internal:port/pulse'],
    ['SALESFORCE_URL', 'https://'],
    ['SLACK_API_URL', 'slack.com/api'],
    ['HUBSPOT_BURST_LIMIT', '0'],
    ['PULSE_LOG_LEVEL', 'loud'],
    ['PULSE_TZ', 'Mars/Base'],
    ['PULSE_SYNC_SCHEDULE', 'whenever'],
    ['PULSE_RETRAIN_SCHEDULE', '0 3 * *'],
    ['PULSE_ALERTS_SCHEDULE', '0 25 * * 1-5'],
    ['PULSE_ANOMALY_SCHEDULE', 'daily'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    const message = refusal({ [name]: value })
    expect(message).toContain(name)
    // The name is said once, not repeated by the prefix.
    expect(message.split(name).length - 1).toBe(1)
  })

  it('says which PULSE_AS_OF value it refused', () => {
    expect(refusal({ PULSE_AS_OF: 'yesterday' })).toContain('PULSE_AS_OF "yesterday" is not a date; set it like 2024-07-20')
  })

  it('takes idle and stale limits up to 100 years and refuses longer ones, which reach past any date', () => {
    expect(loadConfig({ PULSE_IDLE_DAYS: '36500', PULSE_STALE_DAYS: '36500' })).toMatchObject({ idleDays: 36_500, staleDays: 36_500 })
    expect(refusal({ PULSE_STALE_DAYS: '100000000' })).toBe(
      'Configuration problem: PULSE_STALE_DAYS must be a whole number of days from 1 to 36,500, such as 30, got "100000000". Fix it in your environment or .env.',
    )
  })

  it('takes a schedule with a leading seconds field, as the docs allow, and names both forms when refusing one', () => {
    expect(loadConfig({ PULSE_SYNC_SCHEDULE: '30 0 */4 * * *' }).schedules.sync).toBe('30 0 */4 * * *')
    const said = refusal({ PULSE_SYNC_SCHEDULE: 'every 4 hours' })
    expect(said).toContain('PULSE_SYNC_SCHEDULE "every 4 hours" is not a cron expression')
    expect(said).toContain('or six with seconds first')
  })

  it('names a stage PULSE_STAGES lists twice in two spellings', () => {
    expect(refusal({ PULSE_STAGES: 'Qualified,Demo,demo,Closed' })).toContain(
      'PULSE_STAGES names Demo (as demo) more than once; list each stage once, in pipeline order',
    )
  })

  it('refuses a PULSE_STAGES with no open stage, naming the end stages it lists', () => {
    expect(refusal({ PULSE_STAGES: 'Won' })).toContain('PULSE_STAGES names no open stage (Won is an end stage)')
    expect(refusal({ PULSE_STAGES: 'Closed Won, Closed Lost' })).toContain(
      'PULSE_STAGES names no open stage (Closed Won, Closed Lost are end stages)',
    )
    expect(loadConfig({ PULSE_STAGES: 'Pipeline' }).stages).toEqual(['Pipeline'])
    expect(loadConfig({ PULSE_STAGES: 'Discovery, Closed Won' }).stages).toEqual(['Discovery', 'Closed Won'])
  })

  it('gives an example URL that the log redaction leaves as it is', () => {
    const message = refusal({ PULSE_DATABASE_URL: 'mysql://db/pulse' })
    expect(message).toContain('postgres://pulse@db.example.com:5432/pulse')
    expect(redactText(message)).toBe(message)
  })

  it('names every malformed variable at once', () => {
    const message = refusal({ PULSE_IDLE_DAYS: 'abc', PORT: 'x', PULSE_STAGES: 'A,A' })
    expect(message).toContain('PULSE_IDLE_DAYS')
    expect(message).toContain('PORT')
    expect(message).toContain('PULSE_STAGES')
  })

  it('reads numbers in decimal notation only, refusing hex, binary and octal forms', () => {
    for (const [name, value] of [
      ['PULSE_IDLE_DAYS', '0x10'],
      ['PULSE_STALE_DAYS', '0o36'],
      ['PULSE_ALERT_AMOUNT', '0b11'],
      ['PORT', '0x50'],
      ['HUBSPOT_BURST_LIMIT', '0x64'],
    ] as const) {
      expect(refusal({ [name]: value }), name).toContain(`${name} must be`)
      expect(refusal({ [name]: value })).toContain(`got "${value}"`)
    }
    expect(loadConfig({ PULSE_ALERT_AMOUNT: '5e4', PULSE_IDLE_DAYS: ' 7 ', PORT: '+8080' })).toMatchObject({
      alertAmount: 50_000,
      idleDays: 7,
      port: 8080,
    })
  })

  it('reads HUBSPOT_PIPELINE trimmed, and leaves it unset when empty (every pipeline)', () => {
    expect(loadConfig({ HUBSPOT_PIPELINE: ' Sales Pipeline ' }).hubspot.pipeline).toBe('Sales Pipeline')
    expect(loadConfig({ HUBSPOT_PIPELINE: '' }).hubspot.pipeline).toBeUndefined()
    expect(loadConfig({}).hubspot.pipeline).toBeUndefined()
  })

  it('never repeats a secret in its messages', () => {
    const secret = 's3cr3t-Passw0rd'
    const envs: Array<Record<string, string>> = [
      { PULSE_DATABASE_URL: `postgres://pulse:${secret}@` },
      { PULSE_DATABASE_URL: `mysql://pulse:${secret}@db/pulse` },
      { SLACK_API_URL: `xoxb-${secret}` },
      { HUBSPOT_API_URL: secret },
      { HUBSPOT_TOKEN: `pat-na1 ${secret}` },
      { SALESFORCE_URL: `${secret}.my.salesforce.com` },
    ]
    for (const env of envs) expect(refusal(env)).not.toContain(secret)
  })
})

describe('unreadDotenvLines', () => {
  it('numbers the lines .env does not read as a setting (no =), leaving comments, blanks and quoted values spanning lines alone', () => {
    const file = writeTempFile(
      '.env',
      '# Sales Pulse\r\n\r\nPULSE_IDLE_DAYS 7\r\nexport PULSE_STALE_DAYS=40\r\nSLACK_BOT_TOKEN xoxb-1-s3cret\r\nPULSE_STAGES="Qualified,\r\nDemo,Closed"\r\n   # indented comment\r\nPULSE ALERT AMOUNT=1\r\nPULSE_ALERT_CHANNEL: C0123\r\n',
    )
    expect(unreadDotenvLines(file)).toEqual([3, 5, 9])
    expect(loadConfig(withDotenv({}, file))).toMatchObject({ idleDays: 14, staleDays: 40, alertChannel: 'C0123' })
    expect(unreadDotenvLines(join(tempDir(), '.env'))).toEqual([])
  })
})

describe('unknownDotenvSettings', () => {
  it('names PULSE_ names and near misses of settings that .env sets, with the setting meant', () => {
    const file = writeTempFile(
      '.env',
      'PULSE_IDLE_DAY=7\nSLACK_BOT_TOKN=x\npulse_stale_days=3\nPULSE_FOO=1\nPULSE_DEBUG=1\nPULSE_IDLE_DAYS=9\nOTHER_APP_KEY=1\nSLACK_CLIENT_ID=1\n',
    )
    expect(unknownDotenvSettings(file)).toEqual([
      { name: 'PULSE_IDLE_DAY', closest: 'PULSE_IDLE_DAYS' },
      { name: 'SLACK_BOT_TOKN', closest: 'SLACK_BOT_TOKEN' },
      { name: 'pulse_stale_days', closest: 'PULSE_STALE_DAYS' },
      { name: 'PULSE_FOO', closest: undefined },
    ])
    expect(unknownDotenvSettings(join(tempDir(), '.env'))).toEqual([])
  })
})

describe('withDotenv', () => {
  it('reads .env when present, the environment winning over the file', () => {
    const file = writeTempFile('.env', 'PULSE_IDLE_DAYS=21\nPULSE_STALE_DAYS=40\n# a comment\nSLACK_BOT_TOKEN=\n')
    const c = loadConfig(withDotenv({ PULSE_STALE_DAYS: '35' }, file))
    expect(c.idleDays).toBe(21)
    expect(c.staleDays).toBe(35)
    expect(c.slack.botToken).toBeUndefined()
  })

  it('is the environment alone when there is no .env', () => {
    const env = { PULSE_IDLE_DAYS: '9' }
    expect(withDotenv(env, join(tempDir(), '.env'))).toEqual(env)
  })

  it('refuses a .env that is a folder or UTF-16 text, naming it, instead of reading no setting from it', () => {
    const folder = join(tempDir(), '.env')
    mkdirSync(folder)
    expect(() => withDotenv({}, folder)).toThrow(`${folder} is a folder, not a settings file`)
    const utf16 = writeTempFile('.env', Buffer.from('\ufeffPULSE_IDLE_DAYS=7\n', 'utf16le'))
    expect(() => withDotenv({}, utf16)).toThrow(`${utf16} is not UTF-8 text (saved as UTF-16?), so none of its settings can be read`)
    const noBom = writeTempFile('.env', Buffer.from('PULSE_IDLE_DAYS=7\n', 'utf16le'))
    expect(() => withDotenv({}, noBom)).toThrow(AppError)
    // A UTF-8 .env with a BOM, CRLF line ends and accents is read as usual.
    const utf8 = writeTempFile('.env', '\ufeffPULSE_IDLE_DAYS=7\r\nPULSE_STAGES=Qualifié,Démo\r\n')
    expect(loadConfig(withDotenv({}, utf8))).toMatchObject({ idleDays: 7, stages: ['Qualifié', 'Démo'] })
  })

  it('refuses a value that a # inside cuts short, naming its variable and line but never the value, and how to quote it', () => {
    const file = writeTempFile(
      '.env',
      'PULSE_IDLE_DAYS=7 # a week\nPULSE_STAGES=Qualified,Demo#2,Proposal,Closed\nexport SALESFORCE_CLIENT_SECRET=abc#s3cret\nSLACK_APP_TOKEN= # Socket Mode\nPULSE_ALERT_CHANNEL=#sales\n',
    )
    let message = ''
    try {
      withDotenv({}, file)
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toBe(
      `${file} line 2 (PULSE_STAGES), line 3 (SALESFORCE_CLIENT_SECRET), line 5 (PULSE_ALERT_CHANNEL): a # with no space before it starts a comment in .env, so only the part before it would be read. Put the whole value in single quotes (NAME='...'), or a space before the # when the rest is a comment.`,
    )
    expect(message).not.toContain('s3cret')
    // Quoted, a # is part of the value; after a space it starts a comment; a value the environment sets is not read from the file.
    const quoted = writeTempFile(
      '.env',
      'PULSE_IDLE_DAYS=7 # a week\nPULSE_STAGES=\'Qualified,Demo#2,Proposal,Closed\'\nHUBSPOT_PIPELINE="Pipeline#2"\n',
    )
    expect(loadConfig(withDotenv({}, quoted))).toMatchObject({
      idleDays: 7,
      stages: ['Qualified', 'Demo#2', 'Proposal', 'Closed'],
      hubspot: { pipeline: 'Pipeline#2' },
    })
    expect(
      loadConfig(withDotenv({ PULSE_STAGES: 'A,B,Closed', SALESFORCE_CLIENT_SECRET: 'x', PULSE_ALERT_CHANNEL: 'C0123' }, file)),
    ).toMatchObject({ stages: ['A', 'B', 'Closed'], slack: { appToken: undefined } })
  })

  it('lets a malformed .env value stop start-up, naming it', () => {
    const file = writeTempFile('.env', 'PULSE_IDLE_DAYS=abc\n')
    expect(refusal(withDotenv({}, file) as Record<string, string>)).toContain('PULSE_IDLE_DAYS')
  })
})

describe('.env.example', () => {
  it('lists every variable the configuration reads', () => {
    const example = readFileSync(join(import.meta.dirname, '..', '.env.example'), 'utf8')
    const listed = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]))
    expect(CONFIG_VARIABLES.filter((name) => !listed.has(name))).toEqual([])
    expect(CONFIG_VARIABLES).toEqual(expect.arrayContaining(['PULSE_DB', 'PULSE_DATABASE_URL', 'PULSE_ROSTER', 'SLACK_APP_TOKEN', 'PORT']))
  })
})

describe('debugRequested and commandUser', () => {
  it('takes PULSE_DEBUG as on unless it is empty, 0 or false', () => {
    expect([undefined, '', '0', 'false', 'FALSE'].map((v) => debugRequested({ PULSE_DEBUG: v }))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ])
    expect(['1', 'true', 'yes'].map((v) => debugRequested({ PULSE_DEBUG: v }))).toEqual([true, true, true])
  })

  it('reads PULSE_DEBUG from .env too, the environment winning', () => {
    const saved = { cwd: process.cwd(), debug: process.env.PULSE_DEBUG }
    process.chdir(tempDir())
    try {
      delete process.env.PULSE_DEBUG
      expect(debugRequested()).toBe(false)
      writeFileSync('.env', 'PULSE_DEBUG=1\n')
      expect(debugRequested()).toBe(true)
      process.env.PULSE_DEBUG = '0'
      expect(debugRequested()).toBe(false)
    } finally {
      process.chdir(saved.cwd)
      if (saved.debug === undefined) delete process.env.PULSE_DEBUG
      else process.env.PULSE_DEBUG = saved.debug
    }
  })

  it('names the login user, or null when there is none', () => {
    expect(commandUser({ USER: 'ana' })).toBe('ana')
    expect(commandUser({ USER: ' ' })).toBeNull()
    expect(commandUser({})).toBeNull()
  })
})

describe('the test suite', () => {
  it("runs on each test's settings, not on a .env in the folder it runs in (a self-hoster's real tokens)", () => {
    const cwd = process.cwd()
    process.chdir(tempDir())
    try {
      writeFileSync('.env', 'HUBSPOT_TOKEN=pat-real\nSLACK_BOT_TOKEN=xoxb-real\nPULSE_ROSTER=./roster.yml\nPULSE_IDLE_DAYS=3\n')
      const config = loadConfig()
      expect(config.hubspot.token).toBeUndefined()
      expect(config.slack.botToken).toBeUndefined()
      expect(config.rosterPath).toBeUndefined()
      expect(config.idleDays).toBe(14)
    } finally {
      process.chdir(cwd)
    }
  })
})
