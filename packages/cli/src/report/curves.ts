/**
 * Training curves as an SVG picture, rendered headless with Vega-Lite: loss per step on the left, the
 * validation metric(s) per evaluation on the right.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One logged point of a curve. */
export interface CurvePoint {
  step: number;
  /** Series name, e.g. 'train loss', 'valid accuracy'. */
  series: string;
  value: number;
}

/** Renders loss and metric curves side by side as SVG text. */
export async function renderCurvesSvg(points: CurvePoint[], title: string): Promise<string> {
  const loss = points.filter((p) => /loss/i.test(p.series));
  const metrics = points.filter((p) => !/loss/i.test(p.series));
  const panel = (values: CurvePoint[], yTitle: string) => ({
    width: 360,
    height: 240,
    data: { values },
    mark: { type: 'line' as const, point: values.length < 60 },
    encoding: {
      x: { field: 'step', type: 'quantitative' as const, title: 'step' },
      y: { field: 'value', type: 'quantitative' as const, title: yTitle, scale: { zero: false } },
      color: { field: 'series', type: 'nominal' as const, title: null },
    },
  });
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    background: 'white',
    padding: 12,
    hconcat: [panel(loss, 'loss'), panel(metrics, 'metric')],
  } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
