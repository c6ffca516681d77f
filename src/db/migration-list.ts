import type { Migration } from 'kysely'
import * as core from '../../migrations/0001-core.js'

/**
 * Every migration, in order. Listed statically (not read from a folder) so the same list
 * works from TypeScript sources under vitest and from the compiled `dist/`.
 * Add a new migration file to `migrations/` and one line here.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-core': core,
}
