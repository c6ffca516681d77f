/**
 * The first `max` UTF-16 units of `text`, one fewer when the cut would split an emoji's (or any
 * astral character's) surrogate pair: a lone half shows as `�` or makes JSON unreadable to Slack.
 * @example sliceWhole('ab🚀', 3) // 'ab'
 */
export function sliceWhole(text: string, max: number): string {
  if (text.length <= max) return text
  const last = text.charCodeAt(max - 1)
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max)
}
