/**
 * What every benchmark section gets from the harness (`bench/run-bench.ts`, `npm run bench`).
 * A section lives in `bench/<area>-bench.ts` and exports `run<Area>Bench(ctx: BenchContext)`.
 */
export interface BenchContext {
  /** A scratch folder for this run (generated CSVs, databases, outputs). */
  readonly workDir: string
  /** Sample CSVs made with `pulse sample` (10k, 100k and 1M deals), by size. */
  readonly csv: { readonly deals10k: string; readonly deals100k: string; readonly deals1m: string }
  /** A SQLite database holding the 1M-deal sample, already ingested (reports, Slack figures). */
  readonly db1m: string
  /** The "as of" date the samples were generated for. */
  readonly asOf: string
  /** Records one figure for the final table and JSON line, e.g. record('reports', 'winrate warm ms', 41). */
  record(section: string, name: string, value: number | string | boolean): void
  /** Progress on stderr. */
  log(message: string): void
}
