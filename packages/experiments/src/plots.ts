/**
 * SVG plots of an experiment, drawn with vega-lite (compiled to a vega spec) and rendered
 * headlessly by vega's SVG string renderer: no browser, no canvas.
 */
import * as vega from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'

/**
 * Renders a vega-lite spec to an SVG string in Node.
 * @param spec - a top-level vega-lite spec with inline data.
 * @returns the SVG document.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = compile(spec).spec
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

const WIDTH = 260
const HEIGHT = 200

/** A point of a learning curve: mean metric over seeds after `epoch` epochs. */
export interface CurveRow {
  group: string
  sampler: string
  epoch: number
  value: number
}

/** Mean ± std of a cell's final metric. */
export interface FinalRow {
  group: string
  sampler: string
  mean: number
  lo: number
  hi: number
}

/** One diagnostic of one sampler in one group. */
export interface DiagnosticRow {
  group: string
  sampler: string
  measure: string
  value: number
}

/** Share of recommendations in one popularity decile. */
export interface PopularityRow {
  group: string
  sampler: string
  decile: number
  share: number
}

function faceted(rows: object[], groups: number, title: string, inner: Record<string, unknown>): TopLevelSpec {
  const base = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, data: { values: rows }, config: { font: 'sans-serif' } }
  if (groups <= 1) return { ...base, width: WIDTH, height: HEIGHT, ...inner } as TopLevelSpec
  return {
    ...base,
    facet: { column: { field: 'group', type: 'nominal', title: null } },
    spec: { width: WIDTH, height: HEIGHT, ...inner },
  } as TopLevelSpec
}

/** Learning curves: the metric against epochs, one line per sampler, one panel per model/loss. */
export function learningCurveSpec(rows: CurveRow[], metric: string, groups: number): TopLevelSpec {
  return faceted(rows, groups, `${metric} on the test split after each evaluated epoch (mean over seeds)`, {
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
      color: { field: 'sampler', type: 'nominal', title: 'sampler', sort: null },
    },
  })
}

/** Final metric per sampler with ±1 std error bars over seeds. */
export function finalMetricSpec(rows: FinalRow[], metric: string, groups: number): TopLevelSpec {
  return faceted(rows, groups, `final ${metric} (mean ± std over seeds)`, {
    layer: [
      {
        mark: 'bar',
        encoding: {
          x: { field: 'sampler', type: 'nominal', title: null, sort: null, axis: { labelAngle: -30 } },
          y: { field: 'mean', type: 'quantitative', title: metric },
          color: { field: 'sampler', type: 'nominal', sort: null, legend: null },
        },
      },
      {
        mark: { type: 'errorbar', ticks: true, color: 'black' },
        encoding: {
          x: { field: 'sampler', type: 'nominal', sort: null },
          y: { field: 'lo', type: 'quantitative', title: metric },
          y2: { field: 'hi' },
        },
      },
    ],
  })
}

/** Sampler diagnostics (rejection rate, hardness, mean trials): one panel per measure (and model/loss). */
export function diagnosticsSpec(rows: DiagnosticRow[], groups: number): TopLevelSpec {
  const facet: Record<string, unknown> = { column: { field: 'measure', type: 'nominal', title: null } }
  if (groups > 1) facet.row = { field: 'group', type: 'nominal', title: null }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'sampler diagnostics (mean over seeds; hardness only for model-aware samplers)',
    data: { values: rows },
    config: { font: 'sans-serif' },
    facet,
    spec: {
      width: 200,
      height: 160,
      mark: 'bar',
      encoding: {
        x: { field: 'sampler', type: 'nominal', title: null, sort: null, axis: { labelAngle: -30 } },
        y: { field: 'value', type: 'quantitative', title: null },
        color: { field: 'sampler', type: 'nominal', sort: null, legend: null },
      },
    },
    resolve: { scale: { y: 'independent', x: 'independent' } },
  } as TopLevelSpec
}

/** Popularity deciles of the recommended items, one line per sampler. */
export function popularitySpec(rows: PopularityRow[], k: number, groups: number): TopLevelSpec {
  return faceted(rows, groups, `popularity of the top-${k} recommended items (decile 1 = 10% most popular training items)`, {
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'decile', type: 'ordinal', title: 'item popularity decile' },
      y: { field: 'share', type: 'quantitative', title: 'share of recommendations' },
      color: { field: 'sampler', type: 'nominal', title: 'sampler', sort: null },
    },
  })
}
