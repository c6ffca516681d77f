/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal and at most
 * every 100 ms. Returns the update function and a `done` that clears the line.
 */
export function progressBar(label: string, enabled: boolean, stream: NodeJS.WriteStream = process.stderr) {
  let last = 0
  const width = 30
  return {
    update(done: number, total: number) {
      if (!enabled || total <= 0) return
      const now = Date.now()
      if (now - last < 100 && done < total) return
      last = now
      const fraction = Math.min(1, done / total)
      const filled = Math.round(fraction * width)
      stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%`)
    },
    done() {
      if (enabled && last !== 0) stream.write('\r\x1b[2K')
    },
  }
}
