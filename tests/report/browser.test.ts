/**
 * The report page in a real browser: headless Chromium loads index.html from
 * a file:// URL (no network), must log nothing on the console (no script
 * error), must show the SVG timeline with its phase bands after the page's
 * script ran, and a screenshot must have real content. The main demo's page
 * (ext3-bugfix, written as `modswap demo --report` writes it) must show the
 * update legibly: the zoomed window, where the page's script measures each
 * phase band as laid out by the browser (at least 4 px), the phase table,
 * the latencies before/during/after. Chromium is required: without it the
 * test fails with the install hint (CI installs it).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runK42Hotswap } from '../../src/cli/demos/k42-hotswap.ts';
import { writeReport } from '../../src/cli/report/index.ts';
import { colourStats, readPng } from './png.ts';
import { findBuiltinScenario, loadScenario } from '../../src/cli/scenario/files.ts';
import { runScenario } from '../../src/cli/scenario/runner.ts';
import { writeOutputs } from '../../src/cli/scenario/output.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const INSTALL_HINT = 'headless Chromium is needed for the report browser test: apt-get update && apt-get install -y chromium';

let dir = '';
let page = '';
let demoPage = '';

function chromium(args: string[]): { stdout: string; stderr: string; status: number | null } {
  if (!CHROMIUM) throw new Error(INSTALL_HINT);
  const profile = mkdtempSync(join(tmpdir(), 'modswap-chromium-'));
  try {
    const r = spawnSync(
      CHROMIUM,
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
        `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0', ...args],
      { encoding: 'utf8', timeout: 45_000, maxBuffer: 64 * 1024 * 1024 },
    );
    return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'modswap-report-'));
  const r = runK42Hotswap({ seed: 1 });
  writeReport(dir, { title: 'k42-hotswap', trace: r.trace, summary: r.summary, expectations: [{ name: 'demo ok', ok: r.ok, detail: String(r.ok) }] });
  page = pathToFileURL(join(dir, 'index.html')).href;
  const s = loadScenario(findBuiltinScenario('ext3-bugfix')!.file);
  const out = await runScenario(s);
  const demoDir = join(dir, 'ext3-bugfix');
  writeOutputs('demo', s, out, { report: demoDir, json: false }, false);
  demoPage = pathToFileURL(join(demoDir, 'index.html')).href;
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('report page in headless Chromium', () => {
  it('Chromium is installed', () => {
    expect(CHROMIUM, INSTALL_HINT).toBeDefined();
  });

  it('loads without console messages and shows the timeline with phase bands', () => {
    const r = chromium(['--dump-dom', page]);
    const consoleLines = r.stderr.split('\n').filter((l) => /CONSOLE|Uncaught/.test(l));
    expect(consoleLines).toEqual([]);
    expect(r.stdout).toContain('<svg id="timeline"');
    expect(r.stdout).toContain('data-ready="1"');
    for (const p of ['forward', 'block', 'transfer', 'completed']) expect(r.stdout).toContain(`data-phase="${p}"`);
    expect(r.stdout).toContain('id="summary"');
  });

  it('screenshot is non-trivial', () => {
    const shot = join(dir, 'shot.png');
    chromium([`--screenshot=${shot}`, '--window-size=1400,900', page]);
    expect(existsSync(shot), 'chromium wrote no screenshot').toBe(true);
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    const png = readPng(readFileSync(shot));
    expect(png.width).toBe(1400);
    const s = colourStats(png);
    expect(s.colours).toBeGreaterThan(16);
    expect(s.nonBackground).toBeGreaterThan(0.05);
  });

  it('the main demo shows the update window zoomed, each phase band at least 4 px as the browser draws it', () => {
    const r = chromium(['--dump-dom', '--window-size=1400,900', demoPage]);
    expect(r.stderr.split('\n').filter((l) => /CONSOLE|Uncaught/.test(l))).toEqual([]);
    expect(r.stdout).toContain('data-ready="1"');
    const zoom = /<svg id="zoom"[^>]*>/.exec(r.stdout)?.[0];
    expect(zoom, 'no zoomed view').toBeDefined();
    const minPx = /data-min-band-px="([\d.]+)"/.exec(zoom!)?.[1];
    expect(minPx, 'the page script measured no band').toBeDefined();
    expect(Number(minPx)).toBeGreaterThanOrEqual(4);
    const zoomSvg = r.stdout.slice(r.stdout.indexOf('<svg id="zoom"'), r.stdout.indexOf('</svg>', r.stdout.indexOf('<svg id="zoom"')));
    const bands = [...zoomSvg.matchAll(/class="band" data-phase="([a-z]+)"/g)].map((m) => m[1]);
    expect(bands).toEqual(expect.arrayContaining(['interpose', 'block', 'quiesce', 'transfer', 'redirect', 'release']));
    expect(r.stdout).toContain('<table id="phases"');
    expect(r.stdout).toMatch(/<table id="latencies"[\s\S]*during the update/);
    expect(r.stdout).not.toContain('No call latencies');
    const summary = r.stdout.slice(r.stdout.indexOf('<div id="summary"'), r.stdout.indexOf('</div>\n<h2>', r.stdout.indexOf('<div id="summary"')));
    expect(summary).not.toMatch(/[{}]|&quot;/);
  });
});
