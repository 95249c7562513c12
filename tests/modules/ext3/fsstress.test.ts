/**
 * Randomized fsstress workloads through the syscalls on a system booted
 * with ext3 as root: every result equals the reference model's; after a
 * clean shutdown `e2fsck -fn` exits 0, and debugfs (`cat`, `ls -p`, `stat`)
 * agrees with what the module read back.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Prng } from '../../../src/sim/index.ts';
import { sys } from '../../../src/vfs/index.ts';
import { shutdownSystem } from '../../../src/system/boot.ts';
import { FsStress } from '../../../src/workload/fsstress.ts';
import { PosixModel } from '../../../src/workload/model.ts';
import { execOp, listDir, readAll } from './exec.ts';
import { bootExt3, debugfsBatch, fsck, saveImage, tmpDir } from './helpers.ts';

const OPS = 250;
const ROOT = '/p0';

interface MFile { type: 'file'; data: Uint8Array; size: number; nlink: number }
interface MDir { type: 'dir'; children: Map<string, MNode> }
type MNode = MFile | MDir | { type: 'symlink'; target: string };

/** Every path below `dir` in the model, with its node. */
function walk(dir: MDir, prefix: string, out: [string, MNode][] = []): [string, MNode][] {
  for (const [name, n] of [...dir.children].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const p = `${prefix}/${name}`;
    out.push([p, n]);
    if (n.type === 'dir') walk(n, p, out);
  }
  return out;
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe.each([2, 3])('ext3 v%i under fsstress', (version) => {
  it.each([1, 2, 3])('seed %i: results equal the model; e2fsck clean; debugfs agrees', (seed) => {
    const { s, disk } = bootExt3(version);
    const model = new PosixModel();
    model.mkdirp(ROOT);
    const gen = new FsStress(new Prng(seed * 7919 + version), { root: ROOT, maxFileSize: 96 * 1024, maxWrite: 12 * 1024 });
    s.exec((t) => sys.mkdir(t, ROOT, 0o755));
    const mismatches: string[] = [];
    s.exec(function* (t) {
      for (let i = 0; i < OPS; i++) {
        const op = gen.next();
        const want = model.apply(op);
        const got = yield* execOp(t, op);
        if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`#${i} ${JSON.stringify(op)}: got ${JSON.stringify(got)}, model ${JSON.stringify(want)}`);
        gen.observe(op, want);
      }
    });
    expect(mismatches).toEqual([]);

    // Read the final tree back through the module and check it against the model.
    // (A rename may have moved ROOT itself: walk the model's whole tree.)
    const tree = walk(model.root as unknown as MDir, '');
    const ours = s.exec(function* (t) {
      const files = new Map<string, Uint8Array>();
      const dirs = new Map<string, string[]>();
      for (const [p, n] of tree) {
        if (n.type === 'file') files.set(p, yield* readAll(t, p));
        else if (n.type === 'dir') dirs.set(p, (yield* listDir(t, p)).sort());
      }
      return { files, dirs };
    });
    // (Buffer.equals: vitest's deep equality is slow on large byte arrays.)
    const differ = tree.filter(([p, n]) => n.type === 'file' && !Buffer.from(ours.files.get(p)!).equals(Buffer.from(n.data.subarray(0, n.size))));
    expect(differ.map(([p]) => p)).toEqual([]);

    shutdownSystem(s);
    const { dir, cleanup } = tmpDir();
    try {
      const img = join(dir, 'img');
      saveImage(disk, img);
      const r = fsck(img);
      expect(r.status, r.out).toBe(0);
      // debugfs, in one process: file contents, link counts and sizes, directory listings.
      const files = [...ours.files];
      const dirs = [...ours.dirs];
      const reqs = [...files.flatMap(([p]) => [`cat ${p}`, `stat ${p}`]), ...dirs.map(([p]) => `ls -p ${p}`), 'ls -l /'];
      const outs = debugfsBatch(img, reqs);
      files.forEach(([p, data], i) => {
        expect(outs[2 * i] === text(data), `debugfs cat ${p}`).toBe(true);
        const n = tree.find(([q]) => q === p)![1] as MFile;
        expect(outs[2 * i + 1]).toMatch(new RegExp(`Links: ${n.nlink}\\b`));
        expect(outs[2 * i + 1]).toMatch(new RegExp(`Size: ${n.size}\\b`));
      });
      dirs.forEach(([p, names], i) => {
        const listed = outs[2 * files.length + i]!
          .split('\n')
          .map((l) => l.split('/')[5])
          .filter((x): x is string => x !== undefined && x !== '.' && x !== '..' && x !== '');
        expect(listed.sort(), p).toEqual(names);
      });
      expect(outs[reqs.length - 1]).toContain('lost+found');
    } finally {
      cleanup();
    }
  });
});
