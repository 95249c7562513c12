/**
 * `modswap demo NAME` runs the scenario scenarios/NAME.*: every demo is a
 * scenario, run by the same runner as `modswap run`, and the Linux-path
 * demos still show what they set out to show.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/command.ts';
import { DEFAULT_DEMO, listDemos } from '../../src/cli/cmd-demo.ts';
import { builtinScenarios, findBuiltinScenario, loadScenario } from '../../src/cli/scenario/files.ts';
import { runScenario, type ScenarioOutcome } from '../../src/cli/scenario/runner.ts';
import { listDemos as programmaticDemos } from '../../src/cli/demos/index.ts';

function io(): { io: CliIO; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => '', isTTY: false }, out, err };
}

async function demo(name: string, seed?: number): Promise<ScenarioOutcome> {
  const b = findBuiltinScenario(name);
  if (!b) throw new Error(`no scenario ${name}`);
  const s = loadScenario(b.file);
  return runScenario(seed === undefined ? s : { ...s, seed });
}

describe('a demo is its scenario', () => {
  it('lists exactly the scenarios in scenarios/, each with its description', () => {
    const names = listDemos().map((d) => d.name);
    expect(names).toEqual(builtinScenarios().map((b) => b.name));
    for (const n of ['ext3-bugfix', 'ext3-struct-change', 'rollback', 'stuck', 'rmmod-busy', 'k42-hotswap', 'k42-dynupdate', 'k42-fs-update', 'sim-contention']) {
      expect(names).toContain(n);
    }
    expect(names).toContain(DEFAULT_DEMO);
    for (const d of listDemos()) expect(d.summary.length, d.name).toBeGreaterThan(10);
  });

  it('every programmatic demo is reached through a scenario that names it', () => {
    const named = builtinScenarios().map((b) => loadScenario(b.file).demo).filter((d) => d !== undefined);
    expect(programmaticDemos().map((d) => d.name).sort()).toEqual([...named].sort());
  });

  it('ext3-bugfix: the bug shows before the update and not after; the timeline says so', async () => {
    const r = await demo('ext3-bugfix');
    expect(r.ok).toBe(true);
    expect(r.metrics).toMatchObject({ 'probe.v1-rename-right': false, 'probe.v2-rename-right': true, moduleVersion: '2', mismatches: 0, e2fsckClean: true });
    expect(r.text).toMatch(/check v1-rename-right: nlink\(\/probe\/b\) = 2, should be 3 \(WRONG\)/);
    expect(r.text).toMatch(/check v2-rename-right: nlink\(\/probe\/b\) = 3 \(right\)/);
    expect(r.text).toMatch(/update ext3: block/);
    expect(r.calls.length).toBeGreaterThan(100);
  });

  it('stuck: the report names the thread and its function, then rollback', async () => {
    const r = await demo('stuck');
    expect(r.ok).toBe(true);
    expect(r.metrics['updateError']).toBe('ETIMEDOUT');
    expect(r.stuck).toContainEqual(expect.objectContaining({ name: 'probe' }));
    expect(r.updateError).toMatch(/^ETIMEDOUT in quiesce: .*probe/);
  });

  it('invariant 7: a live update under load replays to the same trace bytes, and another seed differs', async () => {
    const a = JSON.stringify((await demo('ext3-struct-change', 5)).trace);
    const b = JSON.stringify((await demo('ext3-struct-change', 5)).trace);
    const c = JSON.stringify((await demo('ext3-struct-change', 6)).trace);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });
});

describe('modswap demo', () => {
  it('runs the default (ext3-bugfix) with its timeline and writes a Perfetto trace', async () => {
    const c = io();
    const dir = mkdtempSync(join(tmpdir(), 'modswap-demo-'));
    try {
      const trace = join(dir, 'trace.json');
      expect(await main(['demo', '--trace', trace], c.io)).toBe(0);
      const text = c.out.join('\n');
      expect(text).toMatch(/^== modswap demo ext3-bugfix \(seed 1\)/);
      expect(text).toMatch(/boot done: 16 workload thread\(s\) start/);
      expect(text).toMatch(/update ext3: quiesce/);
      expect(text).toMatch(/ext3-bugfix: all expectations met/);
      const t = JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: { name: string }[] };
      expect(t.traceEvents.some((e) => e.name === 'transfer')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints what `modswap run scenarios/NAME.json` prints, under its own header', async () => {
    const a = io();
    const b = io();
    expect(await main(['demo', 'sim-contention', '--json'], a.io)).toBe(0);
    expect(await main(['run', findBuiltinScenario('sim-contention')!.file, '--json'], b.io)).toBe(0);
    expect(a.out).toEqual(b.out);
  });

  it('--list, --cpus and --threads, an unknown demo', async () => {
    const c = io();
    expect(await main(['demo', '--list'], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(/^sim-contention +the engine alone/m);
    const d = io();
    expect(await main(['demo', 'sim-contention', '--cpus', '3', '--threads', '5', '--json'], d.io)).toBe(0);
    expect(JSON.parse(d.out[0]!).metrics).toMatchObject({ cpus: 3, threads: 5, counter: 15 });
    const e = io();
    expect(await main(['demo', 'no-such-demo'], e.io)).toBe(2);
    expect(e.err).toEqual(["modswap demo: unknown demo 'no-such-demo' (modswap demo --list)"]);
  });

  it('an output path that cannot be written fails before the run, with one line and exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modswap-demo-out-'));
    try {
      const cases: [string[], RegExp][] = [
        [['--trace', dir], /^modswap demo: --trace .*: is a directory/],
        [['--report', join(dir, 'f')], /^modswap demo: --report .*\/f: exists and is not a directory$/],
        [['--report', '/proc/modswap-x'], /^modswap demo: --report \/proc\/modswap-x: cannot create directory \/proc\/modswap-x: E[A-Z]+$/],
        [['--trace', join(dir, 'no', 'such', 't.json')], /^modswap demo: --trace .*: directory .* does not exist$/],
      ];
      writeFileSync(join(dir, 'f'), 'a file');
      for (const [flags, re] of cases) {
        const c = io();
        expect(await main(['demo', 'ext3-bugfix', ...flags], c.io), flags.join(' ')).toBe(2);
        expect(c.err, flags.join(' ')).toHaveLength(1);
        expect(c.err[0]).toMatch(re);
        expect(c.out).toEqual([]);
        // no simulation ran: its timeline would have been printed
      }
      expect(existsSync('/proc/modswap-x')).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
