import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { openStore } from '../../src/db/open-store.js'
import { AppError, userMessage } from '../../src/errors.js'
import { tempDir } from '../helpers/test-store.js'

it('a database path whose folder is a file says so and what to do, instead of an error on our side', async () => {
  const dir = tempDir()
  writeFileSync(join(dir, 'data'), 'not a folder')
  const error = await openStore({ path: join(dir, 'data', 'pulse.db') }).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(AppError)
  expect(userMessage(error)).toContain(`its folder ${join(dir, 'data')} is a file, not a folder`)
  expect(userMessage(error)).toContain('point --db or PULSE_DB at a file in a folder that is')
})

it('a database path whose folder cannot be created says so and what to do, instead of an error on our side', async () => {
  const dir = tempDir()
  writeFileSync(join(dir, 'data'), 'not a folder')
  const error = await openStore({ path: join(dir, 'data', 'sub', 'pulse.db') }).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(AppError)
  expect(userMessage(error)).toContain(`its folder ${join(dir, 'data', 'sub')} could not be created`)
})

it('a database a newer version of Sales Pulse migrated says so and what to run, instead of asking whether it is a Sales Pulse database', async () => {
  const path = join(tempDir(), 'pulse.db')
  const store = await openStore({ path })
  await store.db
    .insertInto('kysely_migration' as never)
    .values({ name: '9999-from-a-newer-version', timestamp: new Date().toISOString() } as never)
    .execute()
  await store.close()
  const error = await openStore({ path }).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(AppError)
  expect(userMessage(error)).toContain(
    'set up by a newer version of Sales Pulse (its migration 9999-from-a-newer-version is unknown to this version)',
  )
  expect(userMessage(error)).not.toContain('Is this a Sales Pulse database?')
})

it('a database path that is a folder says so and names a file to use instead', async () => {
  const dir = tempDir()
  const error = await openStore({ path: dir }).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(AppError)
  expect(userMessage(error)).toBe(
    `Cannot open the database at ${dir}: it is a folder, not a database file. Point --db or PULSE_DB at a file (such as ${join(dir, 'pulse.db')}).`,
  )
})
