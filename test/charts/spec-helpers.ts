/** Test helpers that read a vega-lite spec as plain data. */

/** A part of a spec, walked as untyped JSON. */
// biome-ignore lint/suspicious/noExplicitAny: specs are walked as untyped JSON in tests
export type Json = any

/** Every unit or layer spec inside `spec` (depth first), including `spec` itself. */
export function allViews(spec: Json): Json[] {
  const out: Json[] = [spec]
  for (const key of ['layer', 'vconcat', 'hconcat', 'concat']) {
    for (const child of spec[key] ?? []) out.push(...allViews(child))
  }
  return out
}

/** The view named `name` (layers carry a `name` where tests need to find them). */
export function viewNamed(spec: Json, name: string): Json {
  const found = allViews(spec).find((v) => v.name === name)
  if (!found) throw new Error(`no view named ${name}`)
  return found
}

/** The first view whose `data.values` is an array: the chart's main rows. */
export function mainRows(spec: Json): Json[] {
  const view = allViews(spec).find((v) => Array.isArray(v.data?.values))
  return view.data.values
}
