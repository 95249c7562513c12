/**
 * The report page: one self-contained HTML file (inline CSS, SVG and a few
 * lines of script; nothing fetched from the network, so it opens from a
 * file:// URL on a machine with no connection) with the title, the
 * expectations checked, the summary table, the update (its phases with
 * their durations, the stuck-thread report when quiescence timed out, and
 * a zoomed chart of the update window, svg-zoom.ts), the whole-run
 * timeline, and call latencies before, during and after the update (a
 * table and a histogram). The page's script only adds a time readout under
 * the mouse and records the drawn width of the zoomed bands; everything is
 * readable without it.
 */
import { esc, fmtUs, fmtValue } from './format.ts';
import { renderHistogram, splitByPeriod } from './svg-histogram.ts';
import { MIN_BAND, renderZoom } from './svg-zoom.ts';
import { CPU_COLORS, PHASE_COLORS, THREAD_COLORS, TIMELINE_GEOMETRY, renderTimeline } from './svg-timeline.ts';
import { timelineFromChrome, updateWindows, type CallSample, type PhaseSpan } from './model.ts';
import type { ChromeTrace } from '../../sim/export-chrome.ts';

export interface ExpectationLine {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ReportInput {
  title: string;
  subtitle?: string;
  trace: ChromeTrace;
  /** Summary table rows (a flat record; nested values are shown as JSON). */
  summary: Record<string, unknown>;
  /** Call latencies in µs of simulated time; default: the outermost calls recorded in the trace. */
  calls?: CallSample[];
  expectations?: ExpectationLine[];
  /** Threads found inside the old module when quiescence timed out. */
  stuck?: { tid: number; name: string; fn: string }[];
  /** Why the update failed, one line (e.g. "ETIMEDOUT in quiesce: ..."). */
  updateError?: string | null;
}

export interface RenderedReport {
  html: string;
  threadsShown: number;
  threadsTotal: number;
  calls: number;
  /** The zoomed view's bands with their drawn widths (px). */
  zoomBands: { name: string; from: number; to: number; px: number }[];
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:18px 24px;color:#1d2329;background:#fff}
h1{font-size:20px;margin:0 0 2px} h2{font-size:16px;margin:22px 0 6px} h3{font-size:14px;margin:14px 0 4px} .sub{color:#5a6570;margin:0 0 10px}
table{border-collapse:collapse;font-size:13px} td,th{padding:2px 10px 2px 0;text-align:left;vertical-align:top}
th{color:#5a6570;font-weight:600} td.v{font-family:ui-monospace,Menlo,Consolas,monospace}
.ok{color:#1e7d32;font-weight:600} .fail{color:#c62828;font-weight:600}
.legend span{display:inline-block;margin-right:14px;font-size:12px} .legend i{display:inline-block;width:12px;height:10px;margin-right:4px;vertical-align:middle;border-radius:2px}
.note{color:#5a6570;font-size:12px;margin:4px 0}
svg text{font:11px system-ui,sans-serif;fill:#1d2329} svg .sec{font-weight:600;font-size:12px} svg .axis{fill:#5a6570;font-size:10px}
svg .band-lbl{font-size:10px;fill:#333;font-weight:600} svg .rule{stroke:#c9d0d6;stroke-width:1} svg .tick{stroke:#e3e7ea;stroke-width:1}
svg #cursor{stroke:#000;stroke-width:1;stroke-dasharray:3 3}
table.data td.n{text-align:right;font-family:ui-monospace,Menlo,Consolas,monospace} table.data th.n{text-align:right}
#readout{font:12px ui-monospace,Menlo,monospace;color:#5a6570;min-height:16px}
.wrap{overflow-x:auto}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:0 18px;font-size:13px}
.grid .k{color:#5a6570} .grid .v{font-family:ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}
`;

/** Shows the simulated time under the mouse on the timeline. */
const SCRIPT = `
(function(){
  var svg=document.getElementById('timeline'); if(!svg) return;
  var end=Number(svg.getAttribute('data-end-us')); var g=${JSON.stringify(TIMELINE_GEOMETRY)};
  var cur=document.getElementById('cursor'); var out=document.getElementById('readout');
  function fmt(us){return us>=1e6?(us/1e6).toFixed(3)+' s':us>=1e3?(us/1e3).toFixed(3)+' ms':us.toFixed(1)+' µs';}
  svg.addEventListener('mousemove',function(ev){
    var r=svg.getBoundingClientRect(); var x=(ev.clientX-r.left)*g.width/r.width;
    if(x<g.label||x>g.label+g.chart){cur.setAttribute('visibility','hidden');return;}
    cur.setAttribute('x1',x);cur.setAttribute('x2',x);cur.setAttribute('visibility','visible');
    out.textContent='t = '+fmt((x-g.label)/g.chart*end);
  });
  var zoom=document.getElementById('zoom');
  if(zoom){var min=Infinity;var bs=zoom.querySelectorAll('rect.band');
    for(var i=0;i<bs.length;i++){min=Math.min(min,bs[i].getBoundingClientRect().width);}
    zoom.setAttribute('data-min-band-px',bs.length?min.toFixed(2):'none');}
  document.body.setAttribute('data-ready','1');
})();
`;

function legend(entries: [string, string][]): string {
  return `<div class="legend">${entries.map(([n, c]) => `<span><i style="background:${c}"></i>${esc(n)}</span>`).join('')}</div>`;
}

export function renderReport(input: ReportInput): RenderedReport {
  const model = timelineFromChrome(input.trace);
  // a run that recorded no samples of its own (a programmatic demo) falls back to the calls in the trace
  const calls = input.calls && input.calls.length > 0 ? input.calls : model.calls;
  const windows = updateWindows(model.phases);
  const hist = renderHistogram(splitByPeriod(calls, windows));
  const usedPhases = [...new Set(model.phases.map((p) => p.name))].filter((p) => p in PHASE_COLORS);
  const zoom = renderZoom(model);
  const tl = renderTimeline(model, zoom?.range);
  const lat = hist.summaries;
  const parts: string[] = [];
  parts.push(`<h1>${esc(input.title)}</h1>`);
  if (input.subtitle) parts.push(`<p class="sub">${esc(input.subtitle)}</p>`);
  if (input.expectations && input.expectations.length > 0) {
    parts.push('<h2>Expectations</h2><table id="expectations"><tr><th></th><th>expectation</th><th>observed</th></tr>');
    for (const e of input.expectations) {
      parts.push(`<tr><td class="${e.ok ? 'ok' : 'fail'}">${e.ok ? 'met' : 'FAILED'}</td><td class="v">${esc(e.name)}</td><td class="v">${esc(e.detail)}</td></tr>`);
    }
    parts.push('</table>');
  }
  parts.push('<h2>Summary</h2><div id="summary" class="grid">');
  for (const [k, v] of Object.entries(input.summary)) parts.push(`<div><span class="k">${esc(k)}</span> <span class="v">${esc(fmtValue(v))}</span></div>`);
  parts.push('</div>');
  if (model.phases.length > 0) {
    parts.push('<h2>The update</h2>');
    if (input.updateError) parts.push(`<p class="fail" id="update-error">Update failed: ${esc(input.updateError)}</p>`);
    if (input.stuck && input.stuck.length > 0) {
      parts.push('<h3>Stuck threads</h3><p class="note">Threads that were inside the old module when quiescence timed out: they kept it from becoming quiescent.</p>');
      parts.push('<table id="stuck" class="data"><tr><th>thread</th><th>function it was in</th></tr>');
      for (const t of input.stuck) parts.push(`<tr><td class="v">t${t.tid} ${esc(t.name)}</td><td class="v">${esc(t.fn)}</td></tr>`);
      parts.push('</table>');
    }
    parts.push(...phaseTable(model.phases, model.tracks));
    if (zoom) {
      parts.push(
        `<h3>The update window, zoomed</h3><p class="note">${esc(fmtUs(zoom.range.from))} – ${esc(fmtUs(zoom.range.to))} of simulated time. The axis is not uniform: every phase is drawn at least ${MIN_BAND} px wide and the rest of the width is shared in proportion to duration; the tick labels give the true times, the table above the durations.</p>`,
      );
      if (usedPhases.length > 0) parts.push(legend(usedPhases.map((p) => [`phase ${p}`, PHASE_COLORS[p]!])));
      parts.push(`<div class="wrap">${zoom.svg}</div>`);
    }
  }
  parts.push(`<h2>Timeline</h2><p class="note">Simulated time, 0 – ${esc(fmtUs(model.end))}. Shaded bands: the update phases (combined over every track; the most disruptive phase wins where they overlap)${zoom ? '; the dashed box is the window zoomed above' : ''}. Hover a bar for its state and times.</p>`);
  parts.push(
    legend([
      ['running', THREAD_COLORS.running],
      ['waiting at the mediator', THREAD_COLORS.mediator],
      ['in I/O', THREAD_COLORS.io],
      ['sleeping', THREAD_COLORS.sleeping],
      ['other wait (lock, join)', THREAD_COLORS.waiting],
      ['CPU: update work', CPU_COLORS.update],
    ]),
  );
  if (usedPhases.length > 0) parts.push(legend(usedPhases.map((p) => [`phase ${p}`, PHASE_COLORS[p]!])));
  parts.push(`<div class="wrap">${tl.svg}</div><div id="readout"></div>`);
  for (const n of tl.notes) parts.push(`<p class="note">${esc(n)}</p>`);
  parts.push('<h2>Call latencies</h2>');
  if (calls.length === 0) parts.push('<p class="note">No call latencies in this run (the trace recorded no module calls).</p>');
  else {
    parts.push(
      `<p class="note">${calls.length} calls, in simulated time. "During" = overlapping the update window (${windows.length === 0 ? 'there was no update in this run, so every call counts as before' : esc(windows.map((w) => `${fmtUs(w.from)} – ${fmtUs(w.to)}`).join(', '))}); "before" ended before it began, "after" started after it ended.</p>`,
    );
    parts.push('<table id="latencies" class="data"><tr><th>calls</th><th class="n">count</th><th class="n">median</th><th class="n">p99</th><th class="n">max</th></tr>');
    for (const l of lat) {
      parts.push(`<tr><td>${l.period} the update</td><td class="n">${l.count}</td><td class="n">${l.count ? esc(fmtUs(l.p50)) : '–'}</td><td class="n">${l.count ? esc(fmtUs(l.p99)) : '–'}</td><td class="n">${l.count ? esc(fmtUs(l.max)) : '–'}</td></tr>`);
    }
    parts.push('</table><p class="note">The same, as histograms (log-2 bins of µs):</p>');
    parts.push(`<div class="wrap">${hist.svg}</div>`);
  }
  parts.push('<p class="note">The full trace is beside this page as <a href="trace.json">trace.json</a>: open it in Perfetto (ui.perfetto.dev) or chrome://tracing.</p>');
  const html = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(input.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head><body>',
    ...parts,
    `<script>${SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
  return { html, threadsShown: tl.threadsShown, threadsTotal: tl.threadsTotal, calls: calls.length, zoomBands: zoom?.bands ?? [] };
}

/** Tracks beyond which the phase table summarises per phase instead of listing every track (K42 swaps many objects). */
const MAX_TRACKS_LISTED = 4;

/** The phases with their start times and durations: per track, or per phase over many tracks. */
function phaseTable(phases: readonly PhaseSpan[], tracks: readonly string[]): string[] {
  const us = (v: number, d = 1): string => `${v.toFixed(d)} µs`;
  const swatch = (name: string): string => `<i style="display:inline-block;width:10px;height:10px;margin-right:5px;background:${PHASE_COLORS[name] ?? '#bbb'}"></i>`;
  const first = Math.min(...phases.map((p) => p.from));
  const last = Math.max(...phases.map((p) => p.to));
  if (tracks.length <= MAX_TRACKS_LISTED) {
    const out = ['<h3>Phases</h3><table id="phases" class="data"><tr><th>track</th><th>phase</th><th class="n">start</th><th class="n">duration</th></tr>'];
    for (const t of tracks) {
      const ps = phases.filter((p) => p.track === t);
      for (const p of ps) out.push(`<tr><td class="v">${esc(t)}</td><td>${swatch(p.name)}${esc(p.name)}</td><td class="n">${us(p.from)}</td><td class="n">${us(p.to - p.from, 2)}</td></tr>`);
      if (ps.length > 1) {
        const span = Math.max(...ps.map((p) => p.to)) - Math.min(...ps.map((p) => p.from));
        out.push(`<tr><td class="v">${esc(t)}</td><td><b>whole update</b></td><td class="n"></td><td class="n"><b>${us(span, 2)}</b></td></tr>`);
      }
    }
    out.push('</table>');
    return out;
  }
  // Many tracks (one per swapped object): one row per phase over all of them.
  const names = [...new Set(phases.map((p) => p.name))];
  const out = [
    `<h3>Phases</h3><p class="note">${tracks.length} objects were swapped, each through these phases; per phase: how many objects went through it, when the first began, and its duration (median and longest). Every phase of every object is in trace.json.</p>`,
    '<table id="phases" class="data"><tr><th>phase</th><th class="n">objects</th><th class="n">first start</th><th class="n">median</th><th class="n">longest</th></tr>',
  ];
  for (const n of names) {
    const ps = phases.filter((p) => p.name === n);
    const d = ps.map((p) => p.to - p.from).sort((a, b) => a - b);
    out.push(
      `<tr><td>${swatch(n)}${esc(n)}</td><td class="n">${new Set(ps.map((p) => p.track)).size}</td><td class="n">${us(Math.min(...ps.map((p) => p.from)))}</td><td class="n">${us(d[Math.floor(d.length / 2)]!, 2)}</td><td class="n">${us(d[d.length - 1]!, 2)}</td></tr>`,
    );
  }
  out.push(`<tr><td><b>whole update</b></td><td class="n">${tracks.length}</td><td class="n">${us(first)}</td><td class="n"></td><td class="n"><b>${us(last - first, 2)}</b></td></tr>`);
  out.push('</table>');
  return out;
}
