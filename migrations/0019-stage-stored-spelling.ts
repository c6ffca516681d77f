import type { Kysely } from 'kysely'

/**
 * Folded stage spellings (`demo` beside the stored order's `Demo`) into the order's, in `deals`
 * and `stage_history`. Migration 0020 does the same fold again (for stores a later CRM sync left in
 * two spellings), and every store that applies this migration applies 0020 right after it, in the
 * same upgrade: the fold is done there, once, so that upgrading a large store reads its deals and
 * stays once instead of twice.
 */
export async function up(_db: Kysely<unknown>): Promise<void> {}

/** Nothing to undo: the spelling a stage was imported in is not kept, and the order's is the same stage. */
export async function down(_db: Kysely<unknown>): Promise<void> {}
