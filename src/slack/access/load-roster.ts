import { existsSync, readFileSync, statSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { dropInvisible } from '../../domain/drop-invisible.js'
import { AppError } from '../../errors.js'

/** The roster (`PULSE_ROSTER`, contract "Environment"): emails are stored lower-case. */
export interface Roster {
  readonly executives: ReadonlySet<string>
  readonly admins: ReadonlySet<string>
  /** Manager email -> the deal owners' emails on their team. */
  readonly managers: ReadonlyMap<string, ReadonlySet<string>>
}

// One address per entry: "Ana <ana@acme.com>", "ana@acme.com, ben@acme.com" or a pasted link
// "mailto:ana@acme.com" would match nobody.
const ONE_EMAIL = /^[^\s@<>,;:"']+@[^\s@<>,;:"']+$/
// An address copied from a web page or a document may carry an invisible character: left in, it would match nobody.
const email = z
  .string()
  .transform(dropInvisible)
  .pipe(z.string().trim())
  .superRefine((value, ctx) => {
    if (!ONE_EMAIL.test(value))
      ctx.addIssue({ code: 'custom', message: `"${value}" is not one email address; write each address alone, such as ana@acme.com` })
  })
// An empty key (`admins:`, no one yet) is an empty list; one address without brackets
// (`executives: cro@acme.com`) is a list of one.
const emailList = z.preprocess((value) => (value === null ? [] : typeof value === 'string' ? [value] : value), z.array(email)).default([])
const rosterSchema = z
  .object({
    executives: emailList,
    admins: emailList,
    managers: z
      .preprocess(
        (value) => value ?? [],
        z.array(
          // Another key (`teams:`, `members:`) is refused: read as no team, it would leave the manager seeing nothing.
          z
            .object(
              { email, team: emailList },
              {
                error: (issue) =>
                  issue.code === 'invalid_type'
                    ? `each manager is an email and a team, such as "- email: lead@acme.com" with "team: [ana@acme.com, ben@acme.com]" under it (not ${typeof issue.input === 'string' ? `"${issue.input}" alone` : 'that'})`
                    : undefined,
              },
            )
            .strict(),
        ),
      )
      .default([]),
  })
  .strict()

/** Why a roster with nothing in it (an empty file, or only comments) is refused; `file`: the file PULSE_ROSTER names. */
export function rosterEmptyMessage(file?: string): string {
  return `PULSE_ROSTER ${file === undefined ? 'is empty' : `names an empty file: ${file}`}. Name your executives, admins and managers in it (see docs/slack.md), or unset PULSE_ROSTER if everyone is to see only the deals they own.`
}

/** A roster that names nobody: everyone sees only the deals they own. */
export const EMPTY_ROSTER: Roster = Object.freeze({ executives: new Set<string>(), admins: new Set<string>(), managers: new Map() })

/**
 * Parses roster YAML (contract: `executives`, `admins`, `managers: [{ email, team }]`).
 *
 * @param file the file the text was read from, named when it holds no roster at all.
 * @throws AppError `bad_config` naming what is wrong ({@link rosterEmptyMessage} for a text with no YAML in it).
 * @example parseRoster('executives: [cro@acme.com]').executives.has('cro@acme.com') // true
 */
export function parseRoster(text: string, file?: string): Roster {
  let raw: unknown
  try {
    raw = parseYaml(text)
  } catch (error) {
    throw new AppError('bad_config', `PULSE_ROSTER is not valid YAML (${(error as Error).message.split('\n')[0]}).`, { cause: error })
  }
  // A file with nothing in it (a save caught half-way, the wrong file) would silently take
  // everyone's team and company figures away; a roster that names no one on purpose says so (`executives: []`).
  if (raw === null || raw === undefined) throw new AppError('bad_config', rosterEmptyMessage(file))
  const parsed = rosterSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.join('.') || 'the top level'
    throw new AppError(
      'bad_config',
      `PULSE_ROSTER: ${where}: ${issue?.message ?? 'invalid'}. Expected executives, admins and managers (email, team).`,
    )
  }
  const lower = (list: string[]) => new Set(list.map((e) => e.toLowerCase()))
  const managers = new Map<string, Set<string>>()
  for (const m of parsed.data.managers) {
    const key = m.email.toLowerCase()
    const team = managers.get(key) ?? new Set<string>()
    for (const e of m.team) team.add(e.toLowerCase())
    managers.set(key, team)
  }
  return { executives: lower(parsed.data.executives), admins: lower(parsed.data.admins), managers: withTeamsBelow(managers) }
}

/**
 * Each manager's team with the teams below it: a manager on another manager's team (a sales
 * director over regional leads) brings their own team along, at any depth, as a CRM's role
 * hierarchy does. A loop (two managers on each other's teams) gives both the same people, never a
 * manager as their own team member.
 * @example withTeamsBelow(new Map([['vp@a.co', new Set(['lead@a.co'])], ['lead@a.co', new Set(['ana@a.co'])]])).get('vp@a.co') // Set {lead@a.co, ana@a.co}
 */
function withTeamsBelow(managers: ReadonlyMap<string, ReadonlySet<string>>): Map<string, Set<string>> {
  const all = new Map<string, Set<string>>()
  for (const [manager, direct] of managers) {
    // In the roster's order: the direct team first, then the teams below, level by level.
    const team = new Set<string>()
    const queue = [...direct]
    for (let i = 0; i < queue.length; i++) {
      const member = queue[i] as string
      if (member === manager || team.has(member)) continue
      team.add(member)
      for (const below of managers.get(member) ?? []) queue.push(below)
    }
    all.set(manager, team)
  }
  return all
}

/**
 * The roster named by `PULSE_ROSTER`: a path to a YAML file, or the YAML itself (a value with a
 * newline or a `:` that is not an existing file). Unset: {@link EMPTY_ROSTER}.
 *
 * @throws AppError `bad_config` when the file is missing, malformed or empty.
 */
export function loadRoster(value: string | undefined): Roster {
  if (value === undefined || value.trim() === '') return EMPTY_ROSTER
  if (existsSync(value)) return parseRoster(readRosterFile(value), value)
  if (value.includes('\n') || value.includes(':')) return parseRoster(value)
  throw new AppError('bad_config', `PULSE_ROSTER names a file that does not exist: ${value}. Point it at your roster YAML.`)
}

// A folder or an unreadable file is the user's to fix, so it is named, not reported as our failure.
function readRosterFile(path: string): string {
  if (statSync(path).isDirectory()) {
    throw new AppError('bad_config', `PULSE_ROSTER names a folder, not a file: ${path}. Point it at your roster YAML file.`)
  }
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw new AppError('bad_config', `PULSE_ROSTER names a file that cannot be read: ${path} (${code}). Check its permissions.`, {
      cause: error,
    })
  }
}

/** Options of {@link watchRoster}. */
export interface RosterWatchOptions {
  /** Called when an edited roster file cannot be used (the previous roster stays in force). */
  onError?: (error: AppError) => void
  /** Called after a changed roster file was read. */
  onReload?: (roster: Roster) => void
  /** Checks the file at most this often (default 5,000 ms). */
  minIntervalMs?: number
  /** Milliseconds since the epoch (tests). */
  now?: () => number
}

/**
 * The roster of `PULSE_ROSTER`, kept current: when it names a file, the returned function checks
 * the file's modification time (at most every few seconds) and re-reads it when it changed, so
 * an admin's edit takes effect without a restart. A missing, malformed or emptied file (a save
 * caught half-way) keeps the last good roster and is reported once per change through `onError`. Inline YAML (or no roster) never changes.
 *
 * @throws AppError `bad_config` when the roster is unusable at start (as {@link loadRoster}).
 */
export function watchRoster(value: string | undefined, options: RosterWatchOptions = {}): () => Roster {
  let current = loadRoster(value)
  if (value === undefined || !existsSync(value)) return () => current
  const path = value
  const now = options.now ?? Date.now
  const every = options.minIntervalMs ?? 5000
  let seen = fileStamp(path)
  let checkedAt = now()
  return () => {
    if (now() - checkedAt < every) return current
    checkedAt = now()
    const stamp = fileStamp(path)
    if (stamp === seen) return current
    seen = stamp
    try {
      if (stamp === 'missing') throw new AppError('bad_config', `PULSE_ROSTER names a file that no longer exists: ${path}. Put it back.`)
      current = parseRoster(readRosterFile(path), path)
      options.onReload?.(current)
    } catch (error) {
      options.onError?.(error instanceof AppError ? error : new AppError('bad_config', `PULSE_ROSTER could not be read: ${String(error)}`))
    }
    return current
  }
}

function fileStamp(path: string): string {
  try {
    const s = statSync(path)
    return `${s.mtimeMs}:${s.size}`
  } catch {
    return 'missing'
  }
}
