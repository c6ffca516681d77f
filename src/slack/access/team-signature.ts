import type { Roster } from './load-roster.js'

/**
 * A manager's team as `roster` lists it now (the teams below included), as one text: the
 * manager's and the members' emails, sorted and comma-separated. Figures computed for a team
 * (a Home snapshot, a digest) carry it, so a roster edit that changed the team is noticed.
 * A manager the roster no longer names gives their email alone.
 *
 * @example teamSignature(parseRoster('managers: [{ email: lead@a.co, team: [ben@a.co, ana@a.co] }]'), 'lead@a.co') // 'ana@a.co,ben@a.co,lead@a.co'
 */
export function teamSignature(roster: Roster, managerEmail: string): string {
  return [...new Set([managerEmail, ...(roster.managers.get(managerEmail) ?? [])])].sort().join(',')
}
