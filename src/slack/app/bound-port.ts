import type { Server } from 'node:http'

/**
 * The TCP port `server` listens on: the one the system chose when `asked` was 0 (`PORT=0`).
 * `asked` when the server is not listening (or listens on a pipe, not a port).
 *
 * @example boundPort(server, 0) // 43817
 */
export function boundPort(server: Server, asked: number): number {
  const address = server.address()
  return address !== null && typeof address === 'object' ? address.port : asked
}
