import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import { encodePng } from '../../src/charts/encode-png.js'

describe('encodePng', () => {
  it('writes a PNG that decodes to the same RGBA pixels', async () => {
    const width = 37
    const height = 23
    const rgba = Buffer.alloc(width * height * 4)
    for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 7 + (i >> 5)) & 255
    const png = PNG.sync.read(await encodePng(rgba, width, height))
    expect([png.width, png.height]).toEqual([width, height])
    expect(Buffer.compare(png.data, rgba)).toBe(0)
  })

  it('refuses a buffer whose length does not match the size', async () => {
    await expect(encodePng(Buffer.alloc(10), 2, 2)).rejects.toThrow(/expected 16 bytes/)
  })
})
