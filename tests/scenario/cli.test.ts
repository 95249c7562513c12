/**
 * `modswap run`: validation messages name the field, exit statuses (0 met,
 * 1 failed, 2 invalid), --json, --report and --check.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/command.ts';
import { parseScenario, ScenarioError } from '../../src/system/scenario.ts';
import { checkExpectation } from '../../src/cli/scenario/expect.ts';
import { createProgress } from '../../src/cli/progress.ts';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const c: CliIO = { out: (t) => void out.push(t), err: (t) => void err.push(t), readStdin: async () => '', isTTY: false };
  return { c, out, err };
}

function problems(text: string, file = 's.json'): string[] {
  try {
    parseScenario(text, file);
    return [];
  } catch (e) {
    return (e as ScenarioError).problems;
  }
}

const SMALL = { name: 'small', fs: { type: 'ramfs' }, machine: { cpus: 2 }, workload: { threads: 2, opsPerThread: 10 } };

describe('scenario validation', () => {
  it('names the wrong field and what was expected, one line each', () => {
    expect(problems('{"name":"x","workload":{"threads":1.5}}')).toEqual(['workload.threads: expected an integer, received number']);
    expect(problems('{"name":"x","machine":{"cpus":"4"}}')).toEqual(['machine.cpus: expected number, received string']);
    expect(problems('{"name":"x","colour":1}')).toEqual(["(top level): unknown field 'colour'"]);
    expect(problems('{"name":"x","probe":[{"do":"dance"}]}')[0]).toMatch(/^probe\[0\]\.do: expected "do" to be one of mkdir, rename/);
    expect(problems('{"name":"x","path":"k42","fs":{"version":1},"update":{"to":3}}')).toEqual(['update.to: expected 2 (a K42 dynamic update goes to the next version)']);
    expect(problems('{"name":"x","update":{"to":2,"at":"probe"}}')).toEqual(['update.at: "probe" needs a probe step {"do": "start-update"}']);
    expect(problems('not json')[0]).toMatch(/^not valid JSON/);
    expect(problems('name: [unclosed', 's.yaml')[0]).toMatch(/^not valid YAML/);
    expect(problems('name: x\nworkload:\n  threads: 1.5\n', 's.yaml')).toEqual(['workload.threads: expected an integer, received number']);
  });

  it('checks expectations: equality, comparisons, unknown metrics', () => {
    const m = { maxStallUs: 12.5, updateOk: true, updateError: 'EBUSY', e2fsckClean: null };
    expect(checkExpectation('maxStallUs', '< 1000', m, []).ok).toBe(true);
    expect(checkExpectation('maxStallUs', '>= 13', m, []).ok).toBe(false);
    expect(checkExpectation('updateOk', true, m, []).ok).toBe(true);
    expect(checkExpectation('updateError', 'EBUSY', m, []).ok).toBe(true);
    expect(checkExpectation('updateError', '!= EBUSY', m, []).ok).toBe(false);
    expect(checkExpectation('e2fsckClean', true, m, []).ok).toBe(false);
    const typo = checkExpectation('maxStalUs', '< 1', m, ['maxStallUs']);
    expect(typo.ok).toBe(false);
    expect(typo.detail).toContain("no metric 'maxStalUs'");
  });

  it('the progress bar is silent when stderr is not a terminal', () => {
    const w: string[] = [];
    const p = createProgress(3, { isTTY: false, write: (t) => void w.push(t) });
    p.update(1, 'x');
    p.finish();
    expect(w).toEqual([]);
    const q = createProgress(3, { isTTY: true, write: (t) => void w.push(t), columns: 60 });
    q.update(1, 'running a');
    q.finish();
    expect(w[0]).toContain('1/3 running a');
  });
});

describe('modswap run', () => {
  it('exit 2 on an invalid scenario, 0 when met, 1 when an expectation fails; --json and --report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modswap-run-'));
    try {
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ name: 'bad', workload: { threads: -1 } }));
      let r = io();
      expect(await main(['run', bad], r.c)).toBe(2);
      expect(r.err.join('\n')).toContain('workload.threads');

      const good = join(dir, 'good.json');
      writeFileSync(good, JSON.stringify({ ...SMALL, expect: { allResultsMatchModel: true, totalOps: 20 } }));
      r = io();
      expect(await main(['run', good, '--json', '--report', join(dir, 'rep')], r.c)).toBe(0);
      const j = JSON.parse(r.out[0]!);
      expect(j.ok).toBe(true);
      expect(j.metrics.totalOps).toBe(20);
      expect(existsSync(join(dir, 'rep', 'index.html'))).toBe(true);
      expect(JSON.parse(readFileSync(join(dir, 'rep', 'trace.json'), 'utf8')).traceEvents.length).toBeGreaterThan(0);

      const failing = join(dir, 'failing.json');
      writeFileSync(failing, JSON.stringify({ ...SMALL, name: 'failing', expect: { totalOps: '> 1000' } }));
      r = io();
      expect(await main(['run', failing], r.c)).toBe(1);
      expect(r.out.join('\n')).toContain('FAILED totalOps > 1000');

      r = io();
      expect(await main(['run', good, failing, '--check'], r.c)).toBe(0);
      expect(r.out).toEqual(['small: valid', 'failing: valid']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('modswap run: a failed update, YAML, output paths', () => {
  const EXT3 = { name: 'upd', machine: { cpus: 2 }, fs: { type: 'ext3', version: 1 }, strategy: 'counter-shared', workload: { threads: 2, opsPerThread: 8, mix: { rename: 0 } } };

  it('an update that fails exits 1 even with no expectations; expecting the failure exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modswap-run-fail-'));
    try {
      const f = join(dir, 'f.json');
      writeFileSync(f, JSON.stringify({ ...EXT3, update: { to: 2, at: { us: 200 }, inject: 'import' } }));
      let r = io();
      expect(await main(['run', f], r.c)).toBe(1);
      expect(r.out.join('\n')).toMatch(/FAILED updateOk == true +updateOk = false/);
      writeFileSync(f, JSON.stringify({ ...EXT3, update: { to: 2, at: { us: 200 }, inject: 'import' }, expect: { updateError: 'ENOMEM' } }));
      r = io();
      expect(await main(['run', f], r.c)).toBe(0);
      writeFileSync(f, JSON.stringify({ ...EXT3, update: { to: 2, at: { us: 200 } } }));
      r = io();
      expect(await main(['run', f], r.c)).toBe(0);
      expect(r.out.join('\n')).toMatch(/met +updateOk == true/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('at {us: N} counts from the end of boot, which the timeline shows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modswap-run-at-'));
    try {
      const f = join(dir, 'at.yaml');
      writeFileSync(f, 'name: at\nmachine: {cpus: 2}\nfs: {type: ext3, version: 2}\nworkload: {threads: 2, opsPerThread: 8}\nupdate: {to: 3, at: {us: 1500}}\n');
      const r = io();
      expect(await main(['run', f], r.c)).toBe(0);
      const text = r.out.join('\n');
      const boot = Number(/ +([\d.]+) us +boot done: .*due 1500 us from now, at ([\d.]+) us/.exec(text)![1]);
      const due = Number(/due 1500 us from now, at ([\d.]+) us/.exec(text)![1]);
      const check = Number(/ +([\d.]+) us +update ext3: check/.exec(text)![1]);
      expect(boot).toBeGreaterThan(100);
      expect(due).toBeCloseTo(boot + 1500, 0);
      expect(check).toBeGreaterThanOrEqual(due);
      expect(check - due).toBeLessThan(50);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('output paths are checked before anything runs (one line, exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modswap-run-out-'));
    try {
      const good = join(dir, 'good.json');
      writeFileSync(good, JSON.stringify(SMALL));
      writeFileSync(join(dir, 'file'), 'x');
      for (const flags of [['--trace', dir], ['--report', join(dir, 'file')], ['--report', '/proc/modswap-run-x'], ['--trace', '/proc/modswap-run-x/t.json']]) {
        const r = io();
        expect(await main(['run', good, ...flags], r.c), flags.join(' ')).toBe(2);
        expect(r.err, flags.join(' ')).toHaveLength(1);
        expect(r.err[0]).toMatch(new RegExp(`^modswap run: ${flags[0]} `));
        expect(r.out).toEqual([]);
      }
      // two scenarios: DIR/NAME must be creatable for each
      const other = join(dir, 'other.json');
      writeFileSync(other, JSON.stringify({ ...SMALL, name: 'other' }));
      const rep = join(dir, 'rep');
      mkdirSync(rep);
      writeFileSync(join(rep, 'other'), 'in the way');
      const r = io();
      expect(await main(['run', good, other, '--report', rep], r.c)).toBe(2);
      expect(r.err[0]).toMatch(/--report .*other: exists and is not a directory/);
      expect(existsSync(join(rep, 'small', 'index.html'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
