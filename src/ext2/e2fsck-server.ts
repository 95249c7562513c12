/**
 * A resident e2fsck runner: one small shell per host process that runs
 * e2fsck for each request, so a check costs the fork of a shell (a few
 * hundred KiB mapped) instead of the fork of this Node process.
 *
 * Why: node:child_process forks the calling process, and a fork copies the
 * page tables of everything resident. A fuzz worker holds 300-400 MiB (the
 * disk images of its cases, the page cache, garbage awaiting collection):
 * spawning e2fsck from it took 22-25 ms, of which e2fsck itself used 3.5 ms
 * (a 32 MiB ext3 image). Through the shell it takes about as long as
 * e2fsck (docs/sweeps.md has the figures).
 *
 * Protocol, over two FIFOs (made in a scratch directory and unlinked once
 * both ends are open, so nothing of the server stays on disk): a request is
 * one line `FLAGS<TAB>OUT<TAB>PATH`; the shell runs `e2fsck FLAGS PATH` under
 * the same CPU limit as a direct run, its stdout to OUT and its stderr to
 * OUT.err (in a scratch directory of the request's own, removed after it),
 * and answers one line with the exit status (128+N when signal N stopped
 * it). Requests are one at a time (callers are synchronous).
 *
 * No hang, whatever happens to the shell: this process never holds a write
 * end of the answer FIFO and e2fsck does not inherit it, so if the shell
 * dies a read of the answer sees end-of-file and the caller falls back to a
 * direct spawn. The answer FIFO is read without blocking, polled with a
 * short sleep (Atomics.wait: no event loop runs during a synchronous call).
 * The shell exits when this process does (its request FIFO reaches EOF).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join, resolve } from 'node:path';

export interface FsckRun {
  /** e2fsck's exit status, or null when a signal stopped it. */
  status: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

/** Milliseconds between polls of the answer FIFO (e2fsck on a fuzz image takes ~4 ms). */
const POLL_MS = 0.2;
/** Polls to wait for the shell to start (~10 s idle; far longer on a loaded machine, where each poll sleeps longer). */
const START_POLLS = 50_000;

const SCRIPT = `
exec 3<"$1" 4>"$2"
echo ready >&4
while IFS= read -r line <&3; do
  flags=\${line%%\t*}
  rest=\${line#*\t}
  out=\${rest%%\t*}
  path=\${rest#*\t}
  (ulimit -t "$3" && exec "$0" "$flags" "$path") >"$out" 2>"$out.err" 3<&- 4>&-
  echo "$?" >&4
done
`;

interface Server {
  pid: number;
  req: number;
  resp: number;
}

/**
 * One server per binary and CPU limit (its environment is the first
 * caller's); `false` once starting or talking to it failed: direct spawns
 * from then on.
 */
const servers = new Map<string, Server | false>();
const sleeper = new Int32Array(new SharedArrayBuffer(4));

function sleep(): void {
  Atomics.wait(sleeper, 0, 0, POLL_MS);
}

/** Read one line from the answer FIFO; null at end-of-file (the shell is gone) or after `maxPolls` empty polls. */
function readLine(fd: number, maxPolls = Infinity): string | null {
  const buf = Buffer.alloc(64);
  let line = '';
  for (let polls = 0; polls < maxPolls; ) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return null;
      sleep();
      polls++;
      continue;
    }
    if (n === 0) return null;
    line += buf.toString('latin1', 0, n);
    const nl = line.indexOf('\n');
    if (nl >= 0) return line.slice(0, nl);
  }
  return null;
}

function stop(s: Server): void {
  for (const fd of [s.req, s.resp]) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
  }
  try {
    process.kill(s.pid);
  } catch {
    /* already gone */
  }
}

function start(bin: string, dir: string, cpuLimitS: number, env: NodeJS.ProcessEnv): Server | false {
  const reqPath = join(dir, 'req');
  const respPath = join(dir, 'resp');
  if (!existsSync('/bin/sh') || spawnSync('mkfifo', [reqPath, respPath]).status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return false;
  }
  // the request FIFO read-write here, so opening it never waits for the shell;
  // the answer FIFO read-only and non-blocking, so a dead shell reads as EOF
  const req = openSync(reqPath, constants.O_RDWR);
  const resp = openSync(respPath, constants.O_RDONLY | constants.O_NONBLOCK);
  let pid: number | undefined;
  try {
    const child = spawn('/bin/sh', ['-c', SCRIPT, bin, reqPath, respPath, String(cpuLimitS)], { stdio: 'ignore', env });
    child.on('error', () => {});
    child.unref();
    pid = child.pid;
  } catch {
    pid = undefined;
  }
  // until the shell opens its end, the answer FIFO reads as EOF: poll for "ready"
  let ready = false;
  for (let polls = 0; pid !== undefined && polls < START_POLLS && !ready; polls++) {
    const line = readLine(resp, 1);
    if (line === 'ready') ready = true;
    else if (line === null) sleep();
  }
  const s: Server = { pid: pid ?? -1, req, resp };
  // both ends are open (or the shell never came): the names are no longer needed
  rmSync(dir, { recursive: true, force: true });
  if (!ready) {
    stop(s);
    return false;
  }
  process.once('exit', () => stop(s));
  return s;
}

/**
 * `e2fsck FLAGS PATH` through the resident shell; null when the server
 * cannot be used (not started, the path cannot go on one line, the shell
 * died), and the caller spawns e2fsck itself.
 */
export function e2fsckViaServer(bin: string, flags: string, path: string, cpuLimitS: number, env: NodeJS.ProcessEnv, scratch: () => string): FsckRun | null {
  const key = `${bin}\0${cpuLimitS}`;
  if (servers.get(key) === false || /[\t\n]/.test(bin + flags + path)) return null;
  if (!servers.has(key)) servers.set(key, start(bin, scratch(), cpuLimitS, env));
  const s = servers.get(key);
  if (!s) return null;
  const dir = scratch();
  try {
    const out = join(dir, 'out');
    if (/[\t\n]/.test(out)) return null;
    const broken = (): null => {
      servers.set(key, false);
      stop(s);
      return null;
    };
    try {
      // absolute: the shell's working directory is this process's when it started
      writeSync(s.req, `${flags}\t${out}\t${resolve(path)}\n`);
    } catch {
      return broken();
    }
    const line = readLine(s.resp);
    if (line === null || !/^\d+$/.test(line)) return broken();
    const code = Number(line);
    // stdout, then stderr: what a spawn's two pipes give a caller that joins them
    const text = readFileSync(out, 'utf8') + readFileSync(`${out}.err`, 'utf8');
    if (code > 128) {
      const signal = (Object.entries(osConstants.signals).find(([, n]) => n === code - 128)?.[0] ?? 'SIGKILL') as NodeJS.Signals;
      return { status: null, signal, out: text };
    }
    return { status: code, signal: null, out: text };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The pid of the shell serving `bin` with `cpuLimitS` (null if none runs): for tests and diagnostics. */
export function e2fsckServerPid(bin: string, cpuLimitS: number): number | null {
  const s = servers.get(`${bin}\0${cpuLimitS}`);
  return s ? s.pid : null;
}
