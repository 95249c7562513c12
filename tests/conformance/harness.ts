/**
 * Helpers for the conformance suites: an `Env` over a booted system (paths
 * relative to the mount under test, running syscalls on a thread, fixtures,
 * unprivileged tasks) and the table-driven error-case runner.
 */
import { expect, it } from 'vitest';
import { type Sim } from '../../src/sim/index.ts';
import { ErrnoError, type ErrnoCode } from '../../src/uapi/errno.ts';
import type { System } from '../../src/system/boot.ts';
import { Cred, sys, type Task } from '../../src/vfs/index.ts';
import { O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY } from '../../src/uapi/fcntl.ts';
import { MNT, type FsSetup } from './setups.ts';

export interface Fixture {
  /** Directories to create, parents first (mode 0755). */
  dirs?: readonly string[];
  /** Regular files and their contents (mode 0644). */
  files?: Readonly<Record<string, string>>;
  /** Symlinks: path → target. */
  symlinks?: Readonly<Record<string, string>>;
  /** chmod after creation. */
  modes?: Readonly<Record<string, number>>;
  /** chown after creation: [uid, gid]. */
  owners?: Readonly<Record<string, readonly [number, number]>>;
}

export const USER = { uid: 1000, gid: 1000 } as const;
export const OTHER = { uid: 2000, gid: 2000 } as const;

const enc = new TextEncoder();
const dec = new TextDecoder();

export class Env {
  constructor(
    readonly setup: FsSetup,
    readonly s: System,
  ) {}

  static create(setup: FsSetup, fx?: Fixture): Env {
    const env = new Env(setup, setup.create());
    if (fx) env.fixture(fx);
    return env;
  }

  /** Absolute path of `rel` below the mount under test. */
  p = (rel: string): string => (rel === '' ? MNT : `${MNT}/${rel}`);

  run<T>(body: (t: Task) => Sim<T>, task?: Task): T {
    return this.s.exec(body, task ? { task } : {});
  }

  /** Run `body`, which must fail with an ErrnoError; returns it. */
  err(body: (t: Task) => Sim<unknown>, task?: Task): ErrnoError {
    try {
      this.run(body, task);
    } catch (e) {
      if (e instanceof ErrnoError) return e;
      throw e;
    }
    throw new Error('expected an ErrnoError, the call succeeded');
  }

  /** An unprivileged task (no capabilities), umask 022. */
  user(ids: { uid: number; gid: number } = USER, groups: number[] = []): Task {
    return this.s.newTask({ cred: new Cred(ids.uid, ids.gid, groups, 0) });
  }

  fixture(fx: Fixture): void {
    const p = this.p;
    this.run(function* (t) {
      for (const d of fx.dirs ?? []) yield* sys.mkdir(t, p(d), 0o755);
      for (const [f, text] of Object.entries(fx.files ?? {})) {
        const fd = yield* sys.open(t, p(f), O_CREAT | O_WRONLY | O_TRUNC, 0o644);
        yield* sys.write(t, fd, enc.encode(text));
        yield* sys.close(t, fd);
      }
      for (const [l, target] of Object.entries(fx.symlinks ?? {})) yield* sys.symlink(t, target, p(l));
      for (const [f, m] of Object.entries(fx.modes ?? {})) yield* sys.chmod(t, p(f), m);
      for (const [f, [u, g]] of Object.entries(fx.owners ?? {})) yield* sys.chown(t, p(f), u, g);
    });
  }

  /** Whole contents of a file as text. */
  readText(path: string, task?: Task): string {
    return this.run(function* (t) {
      const fd = yield* sys.open(t, path, O_RDONLY);
      const parts: Uint8Array[] = [];
      for (;;) {
        const buf = new Uint8Array(4096);
        const n = yield* sys.read(t, fd, buf);
        if (n === 0) break;
        parts.push(buf.subarray(0, n));
      }
      yield* sys.close(t, fd);
      return parts.map((b) => dec.decode(b)).join('');
    }, task);
  }

  stat(path: string) {
    return this.run((t) => sys.stat(t, path));
  }

  lstat(path: string) {
    return this.run((t) => sys.lstat(t, path));
  }

  exists(path: string): boolean {
    try {
      this.lstat(path);
      return true;
    } catch (e) {
      if (e instanceof ErrnoError && e.code === 'ENOENT') return false;
      throw e;
    }
  }
}

export const bytes = (s: string): Uint8Array => enc.encode(s);
export const text = (b: Uint8Array): string => dec.decode(b);

/** One row of an error table. */
export interface ErrCase {
  name: string;
  fx?: Fixture;
  /** Run as an unprivileged user (USER) instead of root. */
  asUser?: boolean;
  call: (t: Task, p: (rel: string) => string) => Sim<unknown>;
  code: ErrnoCode;
  syscall: string;
  /** Expected path, relative to the mount (null: no path on the error). */
  path: string | null;
  /** `path` is not below the mount (a module name, an absolute path). */
  literalPath?: boolean;
}

/** Register one `it` per row: the call fails with exactly (code, syscall, path). */
export function errorCases(setup: FsSetup, cases: readonly ErrCase[]): void {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const env = Env.create(setup, c.fx);
    const e = env.err((t) => c.call(t, env.p), c.asUser ? env.user() : undefined);
    expect({ code: e.code, syscall: e.syscall, path: e.path }).toEqual({
      code: c.code,
      syscall: c.syscall,
      path: c.path === null ? undefined : c.literalPath ? c.path : env.p(c.path),
    });
  });
}
