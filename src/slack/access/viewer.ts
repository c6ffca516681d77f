/** What a person may see, as decided from the roster and deal ownership. */
export type Role = 'executive' | 'manager' | 'owner' | 'none'

/** Someone asking Sales Pulse for something in Slack. */
export interface Viewer {
  readonly slackUserId: string
  /** Their Slack profile email, lower-case; null when Slack has none for them. */
  readonly email: string | null
  readonly role: Role
  /** May run `sync` and change settings. */
  readonly admin: boolean
  /** Owner ids (`sales_rep_id`) whose deals they may see; null = every deal (executives). */
  readonly ownerIds: readonly string[] | null
  /** Managers: their team's emails (lower-case); empty otherwise. */
  readonly teamEmails: readonly string[]
}
