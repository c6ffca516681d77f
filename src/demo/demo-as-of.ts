/** The as-of date the demo pins by default, so its story and figures are the same everywhere. */
export const DEMO_AS_OF = '2026-06-30'
