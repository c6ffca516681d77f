/**
 * A segment value as a filter compares it: without surrounding spaces, in lower case. A filter
 * (`--where region=emea`) takes every stored value it equals so (`scopeCondition` in the store),
 * and the drivers report names a field whose values differ only so.
 * @example foldSegmentValue(' EMEA') // 'emea'
 */
export function foldSegmentValue(value: string): string {
  return value.trim().toLowerCase()
}
