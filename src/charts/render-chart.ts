import type { TopLevelSpec } from 'vega-lite'
import { AppError } from '../errors.js'
import { chartFontFiles } from './chart-fonts.js'
import { CHART_CONFIG, CHART_FONT, COLORS, PIXEL_RATIO } from './chart-theme.js'
import { encodePng } from './encode-png.js'
import { loadVega, type VegaRuntime } from './load-vega.js'
import { outlineSvgText } from './svg-text-paths.js'
import { chartTextMeasurer, installTextMetrics } from './text-metrics.js'

/** A chart drawn as an image. */
export interface RenderedChart {
  /** PNG bytes, white background, at `PIXEL_RATIO` (2x). */
  readonly png: Buffer
  /** PNG width in device pixels (2 x the CSS width, less for a chart drawn smaller to stay within `MAX_PNG_BYTES`). */
  readonly width: number
  /** PNG height in device pixels (2 x the CSS height, or less, as `width`). */
  readonly height: number
}

/** A chart drawn as SVG (CSS pixels, text as `<text>` in DejaVu Sans). */
export interface RenderedSvg {
  readonly svg: string
  readonly width: number
  readonly height: number
}

/** Options for {@link renderChart} and {@link rasterizeSvg}. */
export interface RasterOptions {
  /** Device pixels per CSS pixel; default 2. */
  readonly pixelRatio?: number
}

interface Engine extends VegaRuntime {
  readonly resvg: typeof import('@resvg/resvg-js')
  readonly fontFiles: string[]
}

let engine: Promise<Engine> | undefined
let primed: Promise<void> | undefined

/**
 * Loads the renderer (the vega packages the charts use, vega-lite and resvg; ~0.1-0.2 s of CPU),
 * installs the real text metrics, then draws one small warm-up chart so the first real chart does
 * not pay for JIT warm-up either. Later calls return at once. The first `renderChart` loads the
 * renderer by itself without the warm-up; call this at server start-up so no slash command pays
 * for either.
 */
export async function loadChartEngine(): Promise<void> {
  const ready = await getEngine()
  // Warm-up is an optimisation: a failure there must never stop charts from rendering.
  primed ??= primeEngine(ready).catch(() => undefined)
  await primed
}

function getEngine(): Promise<Engine> {
  engine ??= (async () => {
    const [runtime, resvg] = await Promise.all([loadVega(), import('@resvg/resvg-js')])
    installTextMetrics(runtime.scenegraph, chartTextMeasurer())
    const files = chartFontFiles()
    return { ...runtime, resvg, fontFiles: [files.regular, files.bold] }
  })()
  engine.catch(() => {
    engine = undefined
  })
  return engine
}

/**
 * Compiles a vega-lite spec with the house theme ({@link CHART_CONFIG}; a `config` inside the spec
 * wins) and draws it to SVG with vega, headless (no canvas). Throws `AppError('internal')` when
 * vega reports an error in its dataflow (which vega itself only logs).
 */
export async function renderChartSvg(spec: TopLevelSpec): Promise<RenderedSvg> {
  const { View, parse, compile } = await getEngine()
  const errors: string[] = []
  const logger = collectingLogger(errors)
  let svg: string
  let view: InstanceType<Engine['View']> | undefined
  try {
    const vgSpec = compile(withoutLineSeparators(spec), { config: CHART_CONFIG, logger }).spec
    view = new View(parse(vgSpec), { renderer: 'none', logger })
    svg = await view.toSVG()
  } catch (cause) {
    throw new AppError('internal', `Chart could not be drawn: ${errors[0] ?? (cause instanceof Error ? cause.message : String(cause))}`, {
      cause,
    })
  } finally {
    view?.finalize()
  }
  if (errors.length > 0) throw new AppError('internal', `Chart could not be drawn: ${errors[0]}`)
  svg = withoutNonXmlCharacters(svg)
  const size = svgSize(svg)
  return { svg, ...size }
}

/**
 * `spec` with every line or paragraph separator (U+2028, U+2029: pasted from a document into a CRM
 * name) made a space. vega-lite writes names into expressions (axis labels, custom sort orders),
 * and vega's expression parser, unlike JSON, ends a string at one: the whole chart would fail.
 */
function withoutLineSeparators(spec: TopLevelSpec): TopLevelSpec {
  const text = JSON.stringify(spec)
  return /[\u2028\u2029]/.test(text) ? (JSON.parse(text.replace(/[\u2028\u2029]/g, ' ')) as TopLevelSpec) : spec
}

// Characters XML 1.0 does not allow (C0 controls other than tab and line breaks, U+FFFE/U+FFFF, lone
// surrogates): vega copies labels into the SVG as they are, and resvg refuses the whole image for one.
const NON_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** `svg` without the characters XML does not allow, so a deal or segment name from a CRM (say with a vertical tab) cannot stop a chart. */
function withoutNonXmlCharacters(svg: string): string {
  return svg.replace(NON_XML, '')
}

/**
 * Rasterises an SVG to PNG with resvg on its thread pool (`renderAsync`) and compresses it with
 * async zlib, so the event loop stays free; only the bundled DejaVu fonts are used, never a
 * system font. Text is handed to resvg as glyph outlines ({@link outlineSvgText}).
 */
export async function rasterizeSvg(svg: string, options: RasterOptions = {}): Promise<RenderedChart> {
  const { resvg, fontFiles } = await getEngine()
  // Text goes to resvg as glyph outlines: its own text layout costs ~0.03 ms a glyph. Text the
  // converter does not understand stays as <text>, drawn by resvg with the same fonts; when none
  // is left, resvg is given no fonts at all and skips loading them.
  const drawable = outlineSvgText(svg)
  const image = await resvg.renderAsync(drawable, {
    fitTo: { mode: 'zoom', value: options.pixelRatio ?? PIXEL_RATIO },
    background: COLORS.background,
    font: {
      loadSystemFonts: false,
      fontFiles: /<text\b/.test(drawable) ? fontFiles : [],
      defaultFontFamily: CHART_FONT,
      sansSerifFamily: CHART_FONT,
    },
    logLevel: 'off',
  })
  // resvg's asPng() compresses on the main thread; encodePng deflates on the thread pool.
  return { png: await encodePng(image.pixels, image.width, image.height), width: image.width, height: image.height }
}

/** Largest PNG a chart is sent as (Slack uploads, Home tab images): 250 KB. */
export const MAX_PNG_BYTES = 250 * 1024

/**
 * Renders a vega-lite spec to a PNG: spec -> vega -> SVG -> resvg PNG at 2x on white. A PNG that
 * would exceed {@link MAX_PNG_BYTES} (a very tall heatmap, say) is drawn at a lower pixel ratio,
 * down to 1x, so `width`/`height` are then less than twice the CSS size.
 * @example
 * const { png } = await renderChart(winrateChart(report).spec)
 * await writeFile('winrate.png', png)
 */
export async function renderChart(spec: TopLevelSpec, options: RasterOptions = {}): Promise<RenderedChart> {
  const { svg } = await renderChartSvg(spec)
  let ratio = options.pixelRatio ?? PIXEL_RATIO
  let image = await rasterizeSvg(svg, { pixelRatio: ratio })
  // A very tall or busy chart is drawn again at a lower pixel ratio (never below 1x) until it fits.
  for (let tries = 0; image.png.length > MAX_PNG_BYTES && ratio > 1 && tries < 4; tries++) {
    ratio = Math.max(1, ratio * Math.min(0.9, Math.sqrt((0.9 * MAX_PNG_BYTES) / image.png.length)))
    image = await rasterizeSvg(svg, { pixelRatio: ratio })
  }
  return image
}

/**
 * Draws one small chart through the whole path (compile, dataflow, SVG, resvg, PNG) so the first
 * real chart does not pay for JIT warm-up and font parsing: that cost belongs to start-up.
 */
async function primeEngine(e: Engine): Promise<void> {
  // Two stacked panels with the marks, encodings and legends the report charts use (filters,
  // literal-styled points, conditional fills, halo text, multi-line labels, colour legends).
  const values = [
    { a: 'A', b: 0.1, s: 'circle', c: '#000', z: 40, p: false },
    { a: 'B', b: 0.2, s: 'triangle-down', c: '#b91c1c', z: 120, p: true },
  ]
  const x = { field: 'a', type: 'ordinal' as const, axis: { labelExpr: "{'A': ['A', '1']}[datum.value]", labelOverlap: false } }
  const spec: TopLevelSpec = {
    title: { text: ['Warm-up'], subtitle: ['Prime'] },
    vconcat: [
      {
        data: { values },
        encoding: { x, y: { field: 'b', type: 'quantitative', axis: { format: '.0%' } } },
        layer: [
          { mark: { type: 'rect', color: '#eee' }, encoding: { y2: { datum: 0 } } },
          { transform: [{ filter: '!datum.p' }], mark: { type: 'line', strokeDash: [4, 3] } },
          {
            mark: { type: 'point', filled: true },
            encoding: {
              shape: { field: 's', type: 'nominal', scale: null },
              color: { field: 'c', type: 'nominal', scale: null },
              size: { field: 'z', type: 'quantitative', scale: null },
            },
          },
          { mark: { type: 'text', dy: -6, stroke: '#fff', strokeWidth: 4 }, encoding: { text: { value: 'x' } } },
          { mark: { type: 'text', dy: -6, fontWeight: 'bold', align: 'right' }, encoding: { text: { field: 'b', format: '.0%' } } },
        ],
      },
      {
        data: { values },
        encoding: { x },
        layer: [
          {
            mark: 'bar',
            encoding: {
              y: { field: 'b', type: 'quantitative' },
              fill: { condition: { test: 'datum.p', value: '#fff' }, value: '#93c5fd' },
              strokeDash: { condition: { test: 'datum.p', value: [4, 3] }, value: [1, 0] },
            },
          },
          {
            mark: 'rect',
            encoding: {
              color: {
                field: 'b',
                type: 'quantitative',
                scale: { domain: [0, 0.15, 0.3], range: ['#c2410c', '#fff', '#2166ac'], interpolate: 'lab' },
              },
            },
          },
          { mark: 'bar', encoding: { y: { field: 'b', type: 'quantitative' }, color: { field: 'a', type: 'nominal' } } },
        ],
        resolve: { scale: { color: 'independent' } },
      },
    ],
  }
  const view = new e.View(e.parse(e.compile(spec, { config: CHART_CONFIG }).spec), { renderer: 'none' })
  try {
    const svg = await view.toSVG()
    const image = await e.resvg.renderAsync(outlineSvgText(svg), {
      fitTo: { mode: 'zoom', value: PIXEL_RATIO },
      font: { loadSystemFonts: false, fontFiles: e.fontFiles, defaultFontFamily: CHART_FONT },
    })
    await encodePng(image.pixels, image.width, image.height)
  } finally {
    view.finalize()
  }
}

function svgSize(svg: string): { width: number; height: number } {
  const head = svg.slice(0, svg.indexOf('>'))
  const width = Number(/\swidth="([\d.]+)"/.exec(head)?.[1])
  const height = Number(/\sheight="([\d.]+)"/.exec(head)?.[1])
  return { width, height }
}

function collectingLogger(errors: string[]) {
  const logger = {
    level(_?: number) {
      return _ === undefined ? 1 : logger
    },
    error(...args: unknown[]) {
      errors.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '))
      return logger
    },
    warn() {
      return logger
    },
    info() {
      return logger
    },
    debug() {
      return logger
    },
  }
  return logger
}
