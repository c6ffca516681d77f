// Typings for the vega sub-packages `load-vega.ts` imports directly (they ship none; vega's own
// typings describe the same objects).
declare module 'vega-view' {
  export { View } from 'vega'
}
declare module 'vega-parser' {
  export { parse } from 'vega'
}
declare module 'vega-dataflow' {
  /** The registry of transform constructors, by type name. */
  export const transforms: Record<string, unknown>
}
declare module 'vega-transforms'
declare module 'vega-view-transforms'
declare module 'vega-encode'
declare module 'vega-scenegraph'
