import type { Kysely } from 'kysely'

/** Tables of the model area (none yet). */
export async function up(_db: Kysely<unknown>): Promise<void> {}

export async function down(_db: Kysely<unknown>): Promise<void> {}
