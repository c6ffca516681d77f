/** Tables of the slack area, created by `migrations/0005-slack.ts`. */
// biome-ignore lint/suspicious/noEmptyInterface: filled in as the area adds tables
export interface SlackTables {}
