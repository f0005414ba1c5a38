// What the browser tests read of the report's explorer (harness/report/client/explorer.ts), inside the page.
interface FlExplorer {
  data: {
    offending: number;
    faults: unknown[];
    inv: number[];
    ret: (number | null)[];
    ii: number[];
    ci: (number | null)[];
    proc: number[];
    text: string[];
    views: { name: string; lin?: unknown; ops?: number[] }[];
  };
  root: HTMLElement;
  locate(id: number): { x: number; y: number; w: number; h: number } | undefined;
  window(): [number, number];
  view(): number;
}

// What the browser tests read of a uPlot instance of the report's plots.
interface FlPlot {
  valToPos(v: number, scale: string, canvasPixels?: boolean): number;
  bbox: { left: number; top: number; width: number; height: number };
  ctx: CanvasRenderingContext2D;
}
