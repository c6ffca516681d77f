/** Tables of the model area, created by `migrations/0003-model.ts`. */
// biome-ignore lint/suspicious/noEmptyInterface: filled in as the area adds tables
export interface ModelTables {}
