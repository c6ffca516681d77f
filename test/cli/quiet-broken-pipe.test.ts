import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { quietBrokenPipe } from '../../src/cli/quiet-broken-pipe.js'

const epipe = () => Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })

describe('quietBrokenPipe', () => {
  const saved = process.exitCode
  afterEach(() => {
    vi.restoreAllMocks()
    process.exitCode = saved
  })

  it('ends the process with its exit code so far when the reader has gone (pulse ... | head)', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation(() => undefined as never)
    const out = new PassThrough()
    quietBrokenPipe([out])
    process.exitCode = 3
    out.emit('error', epipe())
    expect(exit).toHaveBeenCalledWith(3)
  })

  it('leaves any other write error to be thrown', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation(() => undefined as never)
    const out = new PassThrough()
    quietBrokenPipe([out])
    expect(() => out.emit('error', Object.assign(new Error('no space left'), { code: 'ENOSPC' }))).toThrow('no space left')
    expect(exit).not.toHaveBeenCalled()
  })
})
