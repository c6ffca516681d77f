// Minimal typings for the parts of opentype.js 2.0 that test/charts/font-metrics.test.ts compares
// `readFontMetrics` against (the package ships none), from its ES module build.
declare module 'opentype.js/dist/opentype.mjs' {
  export interface Glyph {
    readonly index: number
    readonly advanceWidth: number | undefined
    /** The glyph's outline in font units, y up (test/charts/svg-text-paths.test.ts compares `readGlyphOutlines` with it). */
    readonly path: { readonly commands: readonly { readonly type: string; readonly x: number; readonly y: number }[] }
  }
  export interface KerningLookup {
    readonly subtables: unknown[]
  }
  export interface Position {
    getKerningTables(script: string, language?: string): KerningLookup[] | undefined
    getKerningValue(lookups: KerningLookup[], leftIndex: number, rightIndex: number): number
  }
  export interface Font {
    readonly unitsPerEm: number
    readonly position: Position
    charToGlyph(char: string): Glyph
  }
  export function parse(buffer: ArrayBuffer, options?: { lowMemory?: boolean }): Font
}
