/** The Slack workspace the bot token belongs to, as `auth.test` names it. */
export interface OwnWorkspace {
  readonly teamId: string
  /** The Enterprise Grid organization of the workspace (`auth.test`'s `enterprise_id`); undefined outside Grid. */
  readonly enterpriseId?: string
}

/**
 * The workspace `auth.test` names for the bot token (and its Grid organization); undefined when it
 * names none. Pure.
 *
 * @example workspaceOf({ team_id: 'T1', enterprise_id: 'E1' }) // { teamId: 'T1', enterpriseId: 'E1' }
 */
export function workspaceOf(auth: { team_id?: string; enterprise_id?: string }): OwnWorkspace | undefined {
  if (!auth.team_id) return undefined
  return { teamId: auth.team_id, ...(auth.enterprise_id ? { enterpriseId: auth.enterprise_id } : {}) }
}

/** Where a request comes from, as its payload says (undefined: the payload does not say). */
export interface RequestWorkspace {
  /** The workspace the request was made in (the installation it is for). */
  readonly teamId: string | undefined
  readonly enterpriseId: string | undefined
  /** The asker's own workspace, where the payload names it (`user.team_id` of a click). */
  readonly userTeamId: string | undefined
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined)

/**
 * Where a verified request body comes from, read as Bolt reads it (`buildSource`):
 * - a slash command: `team_id` and `enterprise_id` (the workspace the command was typed in: Slack
 *   sends a command only to an app installed where it is typed);
 * - an interactive payload (`block_actions`): `team.id` (else `user.team_id`), `enterprise.id`
 *   (else `team.enterprise_id`), and the clicker's own workspace `user.team_id`, which differs
 *   from `team.id` for a Slack Connect user of another organization in a shared channel;
 * - an Events API callback (`app_home_opened`, `app_uninstalled`, ...): the first of
 *   `authorizations` (the installation the event is delivered for), else the envelope's
 *   `team_id` and `enterprise_id`.
 */
export function requestWorkspace(body: unknown): RequestWorkspace {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  if (typeof b.command === 'string') {
    return { teamId: text(b.team_id), enterpriseId: text(b.enterprise_id), userTeamId: undefined }
  }
  if (b.type === 'event_callback') {
    const first = (Array.isArray(b.authorizations) ? b.authorizations[0] : undefined) as Record<string, unknown> | undefined
    return {
      teamId: text(first?.team_id) ?? text(b.team_id),
      enterpriseId: first ? text(first.enterprise_id) : text(b.enterprise_id),
      userTeamId: undefined,
    }
  }
  const team = (typeof b.team === 'object' && b.team !== null ? b.team : undefined) as Record<string, unknown> | undefined
  const user = (typeof b.user === 'object' && b.user !== null ? b.user : undefined) as Record<string, unknown> | undefined
  const enterprise = (typeof b.enterprise === 'object' && b.enterprise !== null ? b.enterprise : undefined) as
    | Record<string, unknown>
    | undefined
  return {
    teamId: text(team?.id) ?? text(user?.team_id),
    enterpriseId: text(enterprise?.id) ?? text(team?.enterprise_id),
    userTeamId: text(user?.team_id),
  }
}

/**
 * Whether a request comes from `own` workspace and from one of its people: the request's
 * workspace is `own.teamId` (a payload naming none is not), its Enterprise Grid organization,
 * when both name one, is `own.enterpriseId`, and the asker's own workspace, when the payload
 * names it, is `own.teamId` or the organization itself. On Grid, a person of another workspace
 * of the same organization may also be a member of this one, and a click does not say their
 * organization: there their `users.info` decides (`emailOfSlackUser`). Pure.
 *
 * @example isFromOwnWorkspace({ teamId: 'T1' }, { teamId: 'T1', enterpriseId: undefined, userTeamId: 'T2' }) // false: a Slack Connect user
 */
export function isFromOwnWorkspace(own: OwnWorkspace, request: RequestWorkspace): boolean {
  if (request.teamId !== own.teamId) return false
  if (own.enterpriseId !== undefined && request.enterpriseId !== undefined && request.enterpriseId !== own.enterpriseId) return false
  if (request.userTeamId === undefined || request.userTeamId === own.teamId || request.userTeamId === own.enterpriseId) return true
  return own.enterpriseId !== undefined
}

/** What someone asking from another workspace or organization is told (it carries no data). */
export const REFUSAL_OTHER_WORKSPACE =
  'Sorry, Sales Pulse only serves the Slack workspace it is installed in, and this request comes from another workspace or organization. Ask your own Slack admin which sales tools your workspace has.'
