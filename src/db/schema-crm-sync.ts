/** Tables of the crm-sync area, created by `migrations/0004-crm-sync.ts`. */
// biome-ignore lint/suspicious/noEmptyInterface: filled in as the area adds tables
export interface CrmSyncTables {}
