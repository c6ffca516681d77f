import { expect, it } from 'vitest'
import { CRM_STOPPED, stopOnAbort } from '../../src/crm/http/stop-on-abort.js'

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length

it('a CRM wait on the real clock ends at once on abort and leaves no timer that would keep a stopping process alive', async () => {
  const stopping = new AbortController()
  const { clock } = stopOnAbort(stopping.signal)
  const before = timers()
  const waiting = clock.sleep(60_000)
  expect(timers()).toBe(before + 1)
  stopping.abort()
  await expect(waiting).rejects.toThrow(CRM_STOPPED)
  expect(timers()).toBe(before)
})
