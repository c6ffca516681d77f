/**
 * A path or value as a POSIX shell reads it back: as it is when it holds only characters a
 * shell leaves alone, else in single quotes (a quote inside written as '\''), so a command the
 * CLI prints for the user to run next can be copied as printed.
 */
export function shellArg(value: string): string {
  if (value !== '' && /^[A-Za-z0-9_./:=@%+,-]+$/.test(value)) return value
  return `'${value.replaceAll("'", `'\\''`)}'`
}
