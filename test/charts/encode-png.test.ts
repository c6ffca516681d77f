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

  it('gives the same bytes whatever was encoded before or alongside (its row buffer is reused)', async () => {
    const image = (width: number, height: number, seed: number) => {
      const rgba = Buffer.alloc(width * height * 4)
      for (let i = 0; i < rgba.length; i++) rgba[i] = (i * seed + (i >> 3)) & 255
      return { rgba, width, height }
    }
    const big = image(300, 200, 5)
    const small = image(40, 30, 11)
    const first = await encodePng(big.rgba, big.width, big.height)
    const smallAlone = await encodePng(small.rgba, small.width, small.height)
    const [again, smallAgain] = await Promise.all([
      encodePng(big.rgba, big.width, big.height),
      encodePng(small.rgba, small.width, small.height),
    ])
    expect(Buffer.compare(again, first)).toBe(0)
    expect(Buffer.compare(smallAgain, smallAlone)).toBe(0)
    expect(Buffer.compare(PNG.sync.read(smallAlone).data, small.rgba)).toBe(0)
  })

  it('refuses a buffer whose length does not match the size', async () => {
    await expect(encodePng(Buffer.alloc(10), 2, 2)).rejects.toThrow(/expected 16 bytes/)
  })
})
