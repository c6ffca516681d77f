/**
 * Whether `text` is the start of a JSON object or array that breaks off before it closes: an
 * answer whose connection dropped mid-body, which a server that marks the end of a body only by
 * closing the connection (no `Content-Length`, no chunked encoding, as HTTP/1.0 servers and many
 * proxies answer) hands over as if it were whole. Such an answer is worth asking again; a body that
 * is whole but no JSON (an HTML page) is not. Pure; reads the text once.
 * @example isCutShortJson('{"results":[{"id":"1"},{"id') // true
 * @example isCutShortJson('<html>Bad gateway</html>') // false
 */
export function isCutShortJson(text: string): boolean {
  const start = text.trimStart()[0]
  if (start !== '{' && start !== '[') return false
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === '{' || c === '[') depth++
    else if (c === '}' || c === ']') {
      depth--
      // Closed (or closed too often): whatever follows, the body did not break off.
      if (depth <= 0) return false
    }
  }
  return depth > 0 || inString
}
