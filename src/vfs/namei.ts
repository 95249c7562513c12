/**
 * Path walk (fs/namei.c): turn a path string into a (mount, dentry) location.
 *
 * `link_path_walk` walks every component but the last, leaving the parent in
 * `nd` and the last name in `nd.last`; `walk_last` then resolves the last
 * component (following a final symlink when asked). Per component: search
 * permission (MAY_EXEC) on the directory, `.`/`..` handling (`..` stops at the
 * task's root and climbs out of a mount to its mount point), a dcache probe,
 * on a miss the directory's ->lookup under its i_rwsem, crossing into a mount
 * stacked on the dentry, and following a symlink (each followed link counts;
 * the 41st gives ELOOP). A component that is not the last must turn out a
 * directory (ENOTDIR). A trailing slash requires a directory.
 *
 * Name length (ENAMETOOLONG over NAME_MAX) is checked by each file system's
 * ->lookup, as in Linux; the whole path by `getname` (PATH_MAX).
 *
 * Hot path: a dcache hit with generic permission allocates only the
 * component's name string and yields nothing; the walk's cost is counted in
 * `nd.steps` and charged once by the syscall.
 */
import type { Sim } from '../sim/effects.ts';
import { errno } from '../uapi/errno.ts';
import { d_alloc, d_dir_alias, type Dentry } from './dentry.ts';
import { iput, type Inode } from './inode.ts';
import type { Mount } from './mount.ts';
import { inode_permission, may_lookup_fast } from './permission.ts';
import type { Task } from './task.ts';
import { MAXSYMLINKS, MAY_EXEC, PATH_MAX } from './types.ts';
import { S_IFDIR, S_IFLNK, S_IFMT, S_ISDIR } from '../uapi/stat.ts';

export const LAST_NORM = 0;
export const LAST_ROOT = 1;
export const LAST_DOT = 2;
export const LAST_DOTDOT = 3;

export const LOOKUP_FOLLOW = 1;
export const LOOKUP_DIRECTORY = 2;

const SLASH = 47;
const DOT = 46;

/** Walk state (Linux struct nameidata). */
export class NameiData {
  mnt: Mount;
  dentry: Dentry;
  /** Last component after link_path_walk, and its kind (LAST_*). */
  last = '';
  last_type = LAST_ROOT;
  /** The path ended in one or more slashes. */
  trailing = false;
  /** Symlinks followed so far (ELOOP past MAXSYMLINKS). */
  depth = 0;
  /** Components walked (the walk's modelled cost is steps * pathComponent). */
  steps = 0;

  constructor(readonly task: Task) {
    this.mnt = task.pwd_mnt;
    this.dentry = task.pwd_dentry;
  }

  get inode(): Inode | null {
    return this.dentry.d_inode;
  }
}

/** getname: the checks on the path string itself. */
export function getname(path: string): void {
  if (path.length === 0) throw errno('ENOENT');
  // PATH_MAX counts the NUL; JS strings here are ASCII in practice, and a
  // longer UTF-8 encoding only matters near the limit.
  if (path.length >= PATH_MAX || (path.length > PATH_MAX / 4 && Buffer.byteLength(path) >= PATH_MAX)) {
    throw errno('ENAMETOOLONG');
  }
}

function lastType(path: string, i: number, j: number): number {
  if (path.charCodeAt(i) !== DOT) return LAST_NORM;
  if (j - i === 1) return LAST_DOT;
  if (j - i === 2 && path.charCodeAt(i + 1) === DOT) return LAST_DOTDOT;
  return LAST_NORM;
}

/**
 * The common start of both walks: an absolute path starts at the task's root
 * (leading slashes skipped); `last` is reset. Returns the index of the first
 * component.
 */
function walk_start(nd: NameiData, path: string): number {
  const n = path.length;
  let i = 0;
  if (n > 0 && path.charCodeAt(0) === SLASH) {
    nd.mnt = nd.task.root_mnt;
    nd.dentry = nd.task.root_dentry;
    while (i < n && path.charCodeAt(i) === SLASH) i++;
  }
  nd.last = '';
  nd.last_type = LAST_ROOT;
  nd.trailing = false;
  return i;
}

/**
 * The component of `path` at `i` (both walks split a path here): its name
 * and type and where the next one starts; or, when it is the last one, null
 * after recording it in nd (last, last_type, trailing slash). Counts a step.
 */
function nextComponent(nd: NameiData, path: string, i: number): { name: string; type: number; next: number } | null {
  const n = path.length;
  let j = path.indexOf('/', i);
  if (j < 0) j = n;
  const type = lastType(path, i, j);
  const name = type === LAST_NORM ? path.slice(i, j) : '';
  let k = j;
  while (k < n && path.charCodeAt(k) === SLASH) k++;
  nd.steps++;
  if (k >= n) {
    nd.last = name;
    nd.last_type = type;
    nd.trailing = j < n;
    return null;
  }
  return { name, type, next: k };
}

/** ENOTDIR unless nd's dentry is a directory (a component with more path after it). */
function mustBeDir(nd: NameiData): void {
  const inode = nd.dentry.d_inode;
  if (!inode || (inode.i_mode & S_IFMT) !== S_IFDIR) throw errno('ENOTDIR');
}

/** Walk all but the last component of `path`, starting at nd (or the root if absolute). */
export function* link_path_walk(nd: NameiData, path: string): Sim<void> {
  const n = path.length;
  let i = walk_start(nd, path);
  if (i >= n) return;
  const cred = nd.task.cred;
  for (;;) {
    const dir = nd.dentry.d_inode;
    if (!dir) throw errno('ENOENT');
    if (!may_lookup_fast(cred, dir)) yield* inode_permission(cred, dir, MAY_EXEC);
    const c = nextComponent(nd, path, i);
    if (!c) return;
    yield* walk_component(nd, c.name, c.type, true);
    mustBeDir(nd);
    i = c.next;
  }
}

/** Resolve the last component left by link_path_walk; it must exist. */
export function* walk_last(nd: NameiData, follow: boolean): Sim<void> {
  const type = nd.last_type;
  if (type === LAST_ROOT) return;
  const trailing = nd.trailing;
  yield* walk_component(nd, nd.last, type, follow || trailing);
  if (trailing) mustBeDir(nd);
}

/** Step from nd.dentry into one component. */
function* walk_component(nd: NameiData, name: string, type: number, follow: boolean): Sim<void> {
  if (type !== LAST_NORM) {
    if (type === LAST_DOTDOT) follow_dotdot(nd);
    return;
  }
  const parent = nd.dentry;
  let d = parent.d_subdirs?.get(name);
  if (d === undefined) d = yield* lookup_slow(parent, name);
  const inode = d.d_inode;
  if (!inode) throw errno('ENOENT');
  if (d.d_mounted > 0) {
    follow_mount(nd, d);
    return;
  }
  if (follow && (inode.i_mode & S_IFMT) === S_IFLNK) {
    yield* follow_link(nd, d, inode);
    return;
  }
  nd.dentry = d;
}

/** Move nd onto `d`, then into whatever is mounted on it (fs/namei.c follow_mount). */
export function follow_mount(nd: NameiData, d: Dentry): void {
  const table = nd.task.kernel.mounts;
  let m: Mount | undefined;
  while (d.d_mounted > 0 && (m = table.lookup_mnt(nd.mnt, d)) !== undefined) {
    nd.mnt = m;
    d = m.mnt_root;
  }
  nd.dentry = d;
}

/** `..`: stay at the task's root, climb out of mount roots, then go to the parent. */
function follow_dotdot(nd: NameiData): void {
  const t = nd.task;
  for (;;) {
    if (nd.dentry === t.root_dentry && nd.mnt === t.root_mnt) return;
    if (nd.dentry === nd.mnt.mnt_root) {
      const up = nd.mnt.mnt_parent;
      const point = nd.mnt.mnt_mountpoint;
      if (!up || !point) return; // the global root: `..` is itself
      nd.mnt = up;
      nd.dentry = point;
      continue;
    }
    break;
  }
  const p = nd.dentry.parent;
  if (p.d_mounted > 0) follow_mount(nd, p);
  else nd.dentry = p;
}

/** Follow the symlink `link` (found in nd.dentry) to its final target. */
function* follow_link(nd: NameiData, link: Dentry, inode: Inode): Sim<void> {
  yield* pick_link(nd, link, inode);
  yield* walk_last(nd, true);
}

/**
 * Start following the symlink `link` found in nd.dentry: count it (ELOOP
 * past MAXSYMLINKS), read its body and walk all of the body but its last
 * component, which is left in nd.last for the caller (open with O_CREAT
 * resolves it itself, to create a dangling link's target).
 */
export function* pick_link(nd: NameiData, link: Dentry, inode: Inode): Sim<void> {
  if (++nd.depth > MAXSYMLINKS) throw errno('ELOOP');
  const body = yield* get_link(link, inode);
  if (body.length === 0) throw errno('ENOENT');
  yield* link_path_walk(nd, body);
}

/** A symlink's body: the inode's in-memory i_link, else its ->get_link slot. */
export function* get_link(dentry: Dentry | null, inode: Inode): Sim<string> {
  if (inode.i_link !== null) return inode.i_link;
  const get = inode.i_op.get_link;
  if (!get) throw errno('EINVAL');
  return yield* get(dentry, inode);
}

/** Dcache miss during a walk: take the directory's i_rwsem and ask its ->lookup. */
function* lookup_slow(parent: Dentry, name: string): Sim<Dentry> {
  const dir = parent.d_inode!;
  const lock = dir.i_rwsem;
  yield* lock.lock();
  try {
    return yield* lookup_hash(parent, name);
  } finally {
    yield* lock.unlock();
  }
}

/**
 * The dentry for `name` in `parent`, positive or negative, asking the
 * directory's ->lookup on a dcache miss (fs/namei.c lookup_one_qstr_excl).
 * Caller holds the directory's i_rwsem.
 */
export function* lookup_hash(parent: Dentry, name: string): Sim<Dentry> {
  const cached = parent.d_subdirs?.get(name);
  if (cached !== undefined) return cached;
  const dir = parent.d_inode;
  if (!dir) throw errno('ENOENT');
  const lookup = dir.i_op.lookup;
  if (!lookup) throw errno('ENOTDIR');
  yield dir.i_sb.s_kernel.costs.lookupMiss;
  const d = d_alloc(parent, name);
  try {
    yield* lookup(dir, d);
  } catch (e) {
    if (parent.d_subdirs?.get(name) === d) parent.d_subdirs.delete(name);
    throw e;
  }
  const inode = d.d_inode;
  if (inode && S_ISDIR(inode.i_mode) && d_dir_alias(inode) !== d) {
    // a second name for a directory (d_splice_alias): the image is corrupt; no loop, no two parents
    if (parent.d_subdirs?.get(name) === d) parent.d_subdirs.delete(name);
    d.d_inode = null;
    d.d_unhashed = true;
    yield* iput(inode);
    throw errno('EUCLEAN', `directory inode ${inode.i_ino} already has a name in the dcache (corrupt directory entry '${name}')`);
  }
  return d;
}

// ---- the fast walk ------------------------------------------------------------
//
// Linux first walks in RCU mode (no locks, no references) and falls back to
// ref-walk when a step would sleep. Here the analogue is a synchronous walk
// that allocates no generators: it handles every step that is a dcache hit
// with generic permission and in-memory symlink bodies (i_link), and returns
// false as soon as a step needs a slot (a dcache miss, a ->permission or
// ->get_link slot); the caller then restarts the walk as generators. Both
// walks apply the same checks in the same order, so they throw the same
// errors. The fast walk never yields, so it is atomic in simulated time.

function link_path_walk_fast(nd: NameiData, path: string): boolean {
  const n = path.length;
  let i = walk_start(nd, path);
  if (i >= n) return true;
  const cred = nd.task.cred;
  for (;;) {
    const dir = nd.dentry.d_inode;
    if (!dir) throw errno('ENOENT');
    if (!may_lookup_fast(cred, dir)) return false;
    const c = nextComponent(nd, path, i);
    if (!c) return true;
    if (!walk_component_fast(nd, c.name, c.type, true)) return false;
    mustBeDir(nd);
    i = c.next;
  }
}

function walk_last_fast(nd: NameiData, follow: boolean): boolean {
  const type = nd.last_type;
  if (type === LAST_ROOT) return true;
  const trailing = nd.trailing;
  if (!walk_component_fast(nd, nd.last, type, follow || trailing)) return false;
  if (trailing) mustBeDir(nd);
  return true;
}

function walk_component_fast(nd: NameiData, name: string, type: number, follow: boolean): boolean {
  if (type !== LAST_NORM) {
    if (type === LAST_DOTDOT) follow_dotdot(nd);
    return true;
  }
  const d = nd.dentry.d_subdirs?.get(name);
  if (d === undefined) return false;
  const inode = d.d_inode;
  if (!inode) throw errno('ENOENT');
  if (d.d_mounted > 0) {
    follow_mount(nd, d);
    return true;
  }
  if (follow && (inode.i_mode & S_IFMT) === S_IFLNK) {
    const body = inode.i_link;
    if (body === null) return false;
    if (++nd.depth > MAXSYMLINKS) throw errno('ELOOP');
    if (body.length === 0) throw errno('ENOENT');
    return link_path_walk_fast(nd, body) && walk_last_fast(nd, true);
  }
  nd.dentry = d;
  return true;
}

function check_directory(nd: NameiData, flags: number): void {
  if (flags & LOOKUP_DIRECTORY) mustBeDir(nd);
}

/**
 * Resolve `path` without yielding if every step allows it; null means "fall
 * back to path_lookup_slow". Errors are thrown as the full walk would.
 */
export function path_lookup_fast(t: Task, path: string, flags: number): NameiData | null {
  getname(path);
  const nd = new NameiData(t);
  if (!link_path_walk_fast(nd, path) || !walk_last_fast(nd, (flags & LOOKUP_FOLLOW) !== 0)) return null;
  check_directory(nd, flags);
  return nd;
}

/** The parent walk without yielding, or null to fall back. */
export function path_parent_fast(t: Task, path: string): NameiData | null {
  getname(path);
  const nd = new NameiData(t);
  return link_path_walk_fast(nd, path) ? nd : null;
}

/** The full walk as generators (ref-walk). */
export function* path_lookup_slow(t: Task, path: string, flags: number): Sim<NameiData> {
  getname(path);
  const nd = new NameiData(t);
  yield* link_path_walk(nd, path);
  yield* walk_last(nd, (flags & LOOKUP_FOLLOW) !== 0);
  check_directory(nd, flags);
  return nd;
}

/** Resolve `path` fully (LOOKUP_FOLLOW: follow a final symlink). */
export function* path_lookup(t: Task, path: string, flags: number): Sim<NameiData> {
  return path_lookup_fast(t, path, flags) ?? (yield* path_lookup_slow(t, path, flags));
}

/** Resolve the parent of `path`; nd.last/last_type/trailing describe the last component. */
export function* path_parent(t: Task, path: string): Sim<NameiData> {
  const fast = path_parent_fast(t, path);
  if (fast) return fast;
  const nd = new NameiData(t);
  yield* link_path_walk(nd, path);
  return nd;
}
