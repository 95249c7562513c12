import { describe, it, expect } from 'vitest';
import { findDemo, listDemos } from '../../src/cli/demos/index.ts';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/command.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function demo(name: string, seed = 1) {
  const d = findDemo(name);
  if (!d) throw new Error(`no demo ${name}`);
  return d.run({ seed });
}

describe('the Linux-path demos do what they say', () => {
  it('ext3-bugfix: the bug shows before the update and not after; nothing fails; e2fsck clean', async () => {
    const r = await demo('ext3-bugfix');
    expect(r.ok).toBe(true);
    expect(r.summary).toMatchObject({ bugBefore: true, bugAfter: false, mismatches: 0, modules: ['ext3@2'] });
    expect(r.summary['e2fsck']).toBe(0);
    expect(r.text).toMatch(/ext3 v1: .*WRONG/);
    expect(r.text).toMatch(/ext3 v2: .*\(correct\)/);
    const u = r.summary['update'] as { longestStallUs: number; quiescenceVerified: boolean };
    expect(u.quiescenceVerified).toBe(true);
  });

  it('ext3-struct-change converts every cached inode', async () => {
    const r = await demo('ext3-struct-change');
    expect(r.ok).toBe(true);
    expect(r.summary['inodesConverted']).toBeGreaterThan(0);
    expect(r.summary['modules']).toEqual(['ext3@3']);
  });

  it('rollback: the old version keeps serving', async () => {
    const r = await demo('rollback');
    expect(r.ok).toBe(true);
    expect(r.summary['modules']).toEqual(['ext3@1']);
    expect((r.summary['update'] as { error: { code: string } }).error.code).toBe('ENOMEM');
  });

  it('stuck: timeout names the thread and its function, then rollback', async () => {
    const r = await demo('stuck');
    expect(r.ok).toBe(true);
    const u = r.summary['update'] as { error: { code: string }; stuck: { name: string; fn: string }[] };
    expect(u.error.code).toBe('ETIMEDOUT');
    expect(u.stuck).toContainEqual(expect.objectContaining({ name: 'probe', fn: 'ext3_file_operations.fsync' }));
  });

  it('rmmod-busy: EBUSY while the root ext3 is mounted', async () => {
    const r = await demo('rmmod-busy');
    expect(r.ok).toBe(true);
    expect(r.summary['attempts']).toEqual([expect.stringMatching(/EBUSY/), expect.stringMatching(/EBUSY/)]);
  });

  it('invariant 7: a live update under load replays to the same trace bytes, and another seed differs', async () => {
    const a = JSON.stringify((await demo('ext3-struct-change', 5)).trace);
    const b = JSON.stringify((await demo('ext3-struct-change', 5)).trace);
    const c = JSON.stringify((await demo('ext3-struct-change', 6)).trace);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('sim-contention: the counter is exact', async () => {
    expect((await demo('sim-contention')).ok).toBe(true);
  });
});

describe('modswap demo', () => {
  it('lists the demos, runs the default (ext3-bugfix) and writes a Perfetto trace', async () => {
    const out: string[] = [];
    const io: CliIO = { out: (t) => out.push(t), err: () => {}, readStdin: async () => '', isTTY: false };
    expect(await main(['demo', '--list'], io)).toBe(0);
    for (const d of ['ext3-bugfix', 'ext3-struct-change', 'rollback', 'stuck', 'rmmod-busy', 'k42-hotswap', 'k42-dynupdate']) {
      expect(out.join('\n')).toContain(d);
    }
    expect(listDemos().length).toBeGreaterThanOrEqual(8);
    const dir = mkdtempSync(join(tmpdir(), 'modswap-demo-'));
    try {
      out.length = 0;
      const trace = join(dir, 'trace.json');
      expect(await main(['demo', '--trace', trace], io)).toBe(0);
      expect(out.join('\n')).toMatch(/== modswap demo ext3-bugfix/);
      const t = JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: { name: string }[] };
      expect(t.traceEvents.some((e) => e.name === 'transfer')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
