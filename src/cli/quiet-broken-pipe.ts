/**
 * Makes a reader that stops early (`pulse report drivers | head`) end the process with its exit
 * code so far, instead of an unhandled EPIPE error and its stack; any other stream error is thrown.
 */
export function quietBrokenPipe(streams: readonly NodeJS.WritableStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error
      process.exit(process.exitCode ?? 0)
    })
  }
}
