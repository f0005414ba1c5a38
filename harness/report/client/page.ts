/// <reference lib="dom" />
// The report page's script: for each history section, its explorer and plots from the section's data block; the
// links that focus the explorer on operations (a cycle's transactions, an anomaly's operations); the copy button
// of the rerun line; on opening an invalid report, the offending operation shown and the explorer brought into
// view, vertically only. window.faultlineReport exposes the explorers (the browser tests and a curious reader).
import type { ExplorerData } from '../explorer-data.js';
import { type Explorer, makeExplorer, showOffending } from './explorer.js';
import { makePlots } from './plots.js';

export function reportMain(): void {
  const explorers: Explorer[] = [];
  const plots: unknown[][] = [];
  const sections = Array.prototype.slice.call(document.querySelectorAll('.fl-history')) as HTMLElement[];
  for (const section of sections) {
    const block = section.querySelector('script.fl-data');
    const root = section.querySelector('.fl-explorer') as HTMLElement | null;
    if (!block || !root) continue;
    const data = JSON.parse(block.textContent || '{}') as ExplorerData;
    const ex = makeExplorer(root, data);
    plots.push(makePlots(section, data, ex));
    explorers.push(ex);
  }
  (window as unknown as { faultlineReport: unknown }).faultlineReport = { explorers, plots };

  // Links into the history: data-fl-ops holds history indexes, data-fl-names the labels to outline them with.
  document.addEventListener('click', (ev) => {
    const a = (ev.target as Element | null)?.closest?.('[data-fl-ops]') as HTMLElement | null;
    if (!a) return;
    ev.preventDefault();
    const scope = a.closest('.fl-file') ?? document;
    const section = scope.querySelector('.fl-history');
    const ex = explorers.find((e) => section?.contains(e.root)) ?? explorers[0];
    if (!ex) return;
    const indexes = (a.dataset.flOps ?? '').split(',').filter(Boolean).map(Number);
    const names = (a.dataset.flNames ?? '').split(',');
    ex.focusIndexes(indexes, names);
  });

  for (const b of Array.prototype.slice.call(document.querySelectorAll('button.fl-copy')) as HTMLButtonElement[]) {
    b.addEventListener('click', () => {
      const src = document.getElementById(b.dataset.target ?? '');
      const text = src?.textContent ?? '';
      const done = (ok: boolean): void => {
        b.textContent = ok ? 'copied' : 'select and copy';
        setTimeout(() => {
          b.textContent = 'copy';
        }, 1500);
      };
      // The clipboard API needs a secure context; a file:// page may not get it, so fall back to a selection.
      const fallback = (): void => {
        const r = document.createRange();
        if (src) r.selectNodeContents(src);
        const sel = window.getSelection();
        sel?.removeAllRanges();
        sel?.addRange(r);
        let ok = false;
        try {
          ok = document.execCommand('copy');
        } catch {
          ok = false;
        }
        done(ok);
      };
      if (navigator.clipboard?.writeText) navigator.clipboard.writeText(text).then(() => done(true), fallback);
      else fallback();
    });
  }

  // A transactional report outlines its first cycle's transactions from the start (without moving the page).
  for (const f of Array.prototype.slice.call(
    document.querySelectorAll('.fl-file[data-fl-initial-ops]'),
  ) as HTMLElement[]) {
    const ex = explorers.find((e) => f.contains(e.root));
    const ops = (f.dataset.flInitialOps ?? '').split(',').filter(Boolean).map(Number);
    ex?.focusIndexes(ops, (f.dataset.flInitialNames ?? '').split(','), false);
  }

  const first = explorers.find((e) => e.data.offending !== undefined);
  if (first) {
    showOffending(first, first.data);
    if (!location.hash) {
      const top = first.root.getBoundingClientRect().top + window.scrollY - 60;
      window.scrollTo({ top: Math.max(0, top), left: 0 });
    }
  }
}
