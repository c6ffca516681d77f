/** Tables of the analytics area, created by `migrations/0002-analytics.ts`. */
// biome-ignore lint/suspicious/noEmptyInterface: filled in as the area adds tables
export interface AnalyticsTables {}
