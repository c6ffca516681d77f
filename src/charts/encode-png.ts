import { promisify } from 'node:util'
import { crc32, deflate } from 'node:zlib'

const deflateAsync = promisify(deflate)
let spare: Buffer | undefined
/** Compressed size above which the rows are deflated again, harder. */
const RECOMPRESS_ABOVE = 180 * 1024
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/**
 * Encodes 8-bit RGBA pixels (row-major, `width * height * 4` bytes) as a PNG. Compression runs
 * on libuv's thread pool (async zlib), so the event loop only pays for one copy of the rows;
 * for flat-coloured charts this is also smaller than resvg's own `asPng()`. Throws on a buffer of
 * the wrong length.
 */
export async function encodePng(rgba: Buffer, width: number, height: number): Promise<Buffer> {
  const rowBytes = width * 4
  if (rgba.length !== rowBytes * height) throw new Error(`encodePng: expected ${rowBytes * height} bytes, got ${rgba.length}`)
  // Each scanline is prefixed by its filter type; 0 (none) compresses flat colours well and costs nothing.
  // The filtered rows go in a reused buffer (one per concurrent encode): a chart's rows are
  // several MB, and allocating them afresh each time makes the garbage collector run more often.
  const size = (rowBytes + 1) * height
  const pooled = spare !== undefined && spare.length >= size ? spare : undefined
  if (pooled) spare = undefined
  const raw = pooled ? pooled.subarray(0, size) : Buffer.allocUnsafe(size)
  for (let y = 0; y < height; y++) {
    const at = y * (rowBytes + 1)
    raw[at] = 0
    rgba.copy(raw, at + 1, y * rowBytes, (y + 1) * rowBytes)
  }
  // Level 3: a third of level 6's CPU; files grow by about a third. A large image (a tall heatmap)
  // is compressed again at level 6, which takes a third off, to stay within Slack-friendly sizes.
  let idat: Buffer
  try {
    idat = await deflateAsync(raw, { level: 3 })
    if (idat.length > RECOMPRESS_ABOVE) idat = await deflateAsync(raw, { level: 6 })
  } finally {
    const whole = pooled ?? raw
    if (spare === undefined || spare.length < whole.length) spare = whole
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // colour type: RGBA
  ihdr[10] = 0 // compression: deflate
  ihdr[11] = 0 // filter method
  ihdr[12] = 0 // no interlace
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))])
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0)
  return Buffer.concat([head, data, crc])
}
