/**
 * The live learning curve: a vega-lite spec (as the experiment plots use) compiled and rendered by
 * vega into the page, with points streamed in as epochs finish. vega is imported lazily so the
 * page's first load does not wait for it.
 */
import type { View } from 'vega'
import type { TopLevelSpec } from 'vega-lite'

/** One plotted value: `series` is `loss`, `ndcg` or `popularity`. */
export interface PlotPoint {
  epoch: number
  value: number
  series: 'loss' | 'ndcg' | 'popularity'
}

function spec(): TopLevelSpec {
  const x = { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } } as const
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 'container',
    height: 170,
    autosize: { type: 'fit-x', contains: 'padding' },
    data: { name: 'points' },
    config: { font: 'system-ui, sans-serif', view: { stroke: null } },
    layer: [
      {
        transform: [{ filter: "datum.series === 'loss'" }],
        mark: { type: 'line', point: true, color: '#9a9a9a' },
        encoding: { x, y: { field: 'value', type: 'quantitative', title: 'training loss', scale: { zero: false } } },
      },
      {
        // The popularity rule takes no x, so it spans the plot as a horizontal reference line.
        encoding: { y: { field: 'value', type: 'quantitative', title: 'NDCG@10 (test; dashed: popularity)', scale: { zero: true } } },
        layer: [
          {
            transform: [{ filter: "datum.series === 'ndcg'" }],
            mark: { type: 'line', point: true, color: '#1764ab' },
            encoding: { x },
          },
          {
            transform: [{ filter: "datum.series === 'popularity'" }],
            mark: { type: 'rule', color: '#c0392b', strokeDash: [4, 3] },
          },
        ],
      },
    ],
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec
}

/** A chart in `el` that takes points as they come. */
export class LiveCurve {
  private constructor(private readonly view: View) {}

  /** Builds the (empty) chart; loads vega on first use. */
  static async create(el: HTMLElement): Promise<LiveCurve> {
    const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')])
    const view = new vega.View(vega.parse(vl.compile(spec()).spec), { renderer: 'svg', container: el, hover: true })
    await view.runAsync()
    return new LiveCurve(view)
  }

  /** Removes every point. */
  async clear(): Promise<void> {
    await this.view.data('points', []).runAsync()
  }

  /** Appends points and redraws. */
  async add(points: PlotPoint[]): Promise<void> {
    const vega = await import('vega')
    await this.view.change('points', vega.changeset().insert(points)).runAsync()
  }
}
