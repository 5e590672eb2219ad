// A PNG of a bench run: throughput and the service's memory over time, one
// line per dataset. Vega-Lite draws it as SVG, resvg rasterises it.
import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface Sample {
  dataset: string;
  /** Seconds since the sync started. */
  t: number;
  docs_per_second: number;
  rss_mib: number;
}

function panel(field: keyof Sample, title: string): object {
  return {
    width: 760,
    height: 220,
    title,
    mark: { type: 'line', interpolate: 'monotone' },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'seconds since the sync started' },
      y: { field, type: 'quantitative', title },
      color: { field: 'dataset', type: 'nominal', title: 'dataset' },
    },
  };
}

export async function writeChart(file: string, samples: Sample[], subtitle: string): Promise<void> {
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Full sync: throughput and service memory', subtitle },
    data: { values: samples },
    vconcat: [panel('docs_per_second', 'documents indexed per second'), panel('rss_mib', 'service resident memory (MiB)')],
    config: { background: 'white', font: 'DejaVu Sans' },
  } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'zoom', value: 1.5 } }).render().asPng();
  writeFileSync(file, png);
}
