// The chart renderer loads a Skia canvas and Chart.js (about 25 MB of memory at start), which most
// processes never use: it is loaded the first time a chart is drawn or its font is asked for.

type Renderer = typeof import('./render');

let renderer: Renderer | undefined;

export function chartRenderer(): Renderer {
  return (renderer ??= require('./render') as Renderer);
}
