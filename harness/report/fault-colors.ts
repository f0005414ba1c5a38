// A colour per fault kind, the same in every report (the plots, the explorer's lanes, the legends): the known
// kinds fixed, so reports compare at a glance; any other kind one of a palette, chosen by its name.
const KIND_COLORS: Record<string, string> = {
  partition: '#8b5cf6',
  kill: '#0ea5e9',
  pause: '#14b8a6',
  clock: '#ec4899',
  loss: '#a16207',
};
const PALETTE = ['#6366f1', '#059669', '#db2777', '#ca8a04', '#0891b2', '#9333ea', '#65a30d'];

export function faultColor(kind: string): string {
  if (KIND_COLORS[kind]) return KIND_COLORS[kind];
  let h = 0;
  for (const c of kind) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
}
