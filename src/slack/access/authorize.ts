import type { Viewer } from './viewer.js'

/** What is being asked for. Every command, action and Home view asks through {@link authorize}. */
export type AccessRequest =
  /** Reports and charts over the deals the viewer may see; `ownerIds`: owners the request names explicitly. */
  | { readonly kind: 'reports'; readonly ownerIds?: readonly string[] }
  /** Admin-only commands (`sync`). */
  | { readonly kind: 'admin' }
  /** One deal (details, snooze, "updated in CRM"). */
  | { readonly kind: 'deal'; readonly ownerId: string }
  /** The App Home tab. */
  | { readonly kind: 'home' }

/** The deals a granted request may read: every deal, or only those of some owners. */
export type DataScope = { readonly kind: 'all' } | { readonly kind: 'owners'; readonly ownerIds: readonly string[] }

/** The answer of {@link authorize}: a scope to read within, or a refusal that contains no data. */
export type AccessDecision = { readonly allowed: true; readonly scope: DataScope } | { readonly allowed: false; readonly message: string }

/** The polite refusal for someone Sales Pulse does not know; it carries no data. */
export const REFUSAL_UNKNOWN =
  'Sorry, Sales Pulse only shows deal data to people on the sales roster or who own deals. Ask your Sales Pulse admin if you need access.'

/** The refusal of deal data to an admin who is not an executive or manager and owns no deals. */
export const REFUSAL_ADMIN_NO_DEALS =
  'Sorry, deal figures are for executives, managers and deal owners on the roster. As a Sales Pulse admin you can run `/pulse sync` and `/pulse status`.'

/** The refusal of an admin-only command. */
export const REFUSAL_ADMIN = 'Sorry, only Sales Pulse admins can do that. Ask your Sales Pulse admin.'

/** A rep naming someone else's deals. */
export const REFUSAL_OTHER_OWNER = 'Sorry, you can only see your own deals. Ask your manager for team figures.'

/** A manager naming an owner outside their team. */
export const REFUSAL_OTHER_TEAM = "Sorry, you can only see your team's deals. Ask your Sales Pulse admin if your team is missing someone."

/** A manager whose team owns no deals yet. */
export const REFUSAL_EMPTY_TEAM =
  'Your team has no deals in Sales Pulse yet. Check the team emails in the roster with your Sales Pulse admin.'

/** A rep on a manager's team (in the roster) who owns no deal yet: they are known, there is just nothing of theirs to show. */
export const REFUSAL_NO_OWN_DEALS =
  'You own no deals in Sales Pulse yet. Your deals show here once the CRM or an import names you (your Slack email) as their owner; ask your Sales Pulse admin if they should already be here.'

/** What someone allowed to see reports is told while the store holds no deal at all (instead of reports of zeros). */
export const NO_DEALS_YET =
  'Sales Pulse has no deals yet. Ask your Sales Pulse admin to import a CSV (`pulse ingest --csv FILE`) or connect a CRM and run `/pulse sync`.'

/** The refusal of a deal outside the viewer's scope (it does not say whether the deal exists). */
export const REFUSAL_DEAL = "Sorry, that deal is not one you can see. You can look at your own deals (or your team's, for managers)."

/**
 * The one access check (design.md "Who sees what"): executives see everything, managers their
 * team, owners their own deals, anyone else gets a polite refusal; admin-only requests need an
 * admin. Pure: the viewer was resolved from Slack and the roster beforehand.
 */
export function authorize(viewer: Viewer, request: AccessRequest): AccessDecision {
  if (request.kind === 'admin') return viewer.admin ? { allowed: true, scope: { kind: 'all' } } : { allowed: false, message: REFUSAL_ADMIN }
  if (viewer.role === 'none') return { allowed: false, message: viewer.admin ? REFUSAL_ADMIN_NO_DEALS : REFUSAL_UNKNOWN }
  const scope: DataScope = viewer.ownerIds === null ? { kind: 'all' } : { kind: 'owners', ownerIds: viewer.ownerIds }
  // An empty owner list must never reach a report query, where it could read as "no filter".
  if (scope.kind === 'owners' && scope.ownerIds.length === 0) {
    return {
      allowed: false,
      message: viewer.role === 'manager' ? REFUSAL_EMPTY_TEAM : viewer.admin ? REFUSAL_ADMIN_NO_DEALS : REFUSAL_NO_OWN_DEALS,
    }
  }
  if (request.kind === 'deal' && scope.kind === 'owners' && !scope.ownerIds.includes(request.ownerId)) {
    return { allowed: false, message: REFUSAL_DEAL }
  }
  if (
    request.kind === 'reports' &&
    scope.kind === 'owners' &&
    request.ownerIds?.some((id) => ownerNamedIn(scope.ownerIds, id) === undefined)
  ) {
    return { allowed: false, message: viewer.role === 'manager' ? REFUSAL_OTHER_TEAM : REFUSAL_OTHER_OWNER }
  }
  return { allowed: true, scope }
}

/** The `ownerIds` filter a report query needs for `scope` (undefined = no filter). */
export function scopeOwnerIds(scope: DataScope): readonly string[] | undefined {
  return scope.kind === 'all' ? undefined : scope.ownerIds
}

/**
 * The one of `ownerIds` that `typed` names, or undefined when none (or more than one) is: as
 * stored; else in another case when exactly one of them matches so (`REP_18` for `rep_18`, as
 * `--where` reads values); else the one owner kept apart under its CRM's name whose CRM id it is
 * (`42` for `hubspot:42`: see `crmOwnerKey`). The report then reads the stored spelling, and still
 * only within the viewer's scope.
 * @example ownerNamedIn(['hubspot:42'], '42') // 'hubspot:42'
 */
export function ownerNamedIn(ownerIds: readonly string[], typed: string): string | undefined {
  if (ownerIds.includes(typed)) return typed
  const lower = typed.toLowerCase()
  for (const named of [
    (id: string) => id.toLowerCase() === lower,
    (id: string) => CRM_PREFIXES.some((p) => id.toLowerCase() === `${p}:${lower}`),
  ]) {
    const found = ownerIds.filter(named)
    if (found.length > 0) return found.length === 1 ? found[0] : undefined
  }
  return undefined
}

// The sources whose owners may be kept apart under `<source>:<id>` (see `crmOwnerKey`).
const CRM_PREFIXES = ['hubspot', 'salesforce']
