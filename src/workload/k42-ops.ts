/**
 * Module Description: the executor of one fsstress operation on the K42
 * file service, mapping it to server calls exactly as the reference model's
 * header specifies (src/workload/model.ts):
 *
 *   create   open(O_CREAT|O_EXCL|O_WRONLY, mode), close   value null
 *   mkdir    mkdir                                         value null
 *   write    open(O_WRONLY), pwrite(offset), close          value bytes written
 *   read     open(O_RDONLY), pread(offset, length), close   value digest(bytes)
 *   truncate, link, symlink, rename, unlink, rmdir          value null
 *   stat     stat (follows symlinks)                        value "TYPE SIZE NLINK"
 *   readdir  getdents                                       value sorted names
 *   fsync    open(O_RDONLY), fsync, close                   value null
 *
 * The client calls the server through `DREF` once per operation (one K42
 * request). Errors come back as `{ ok: false, errno }`; anything else thrown
 * (a broken invariant) propagates.
 *
 * Contracts: may block (the server does); run it in an activated request
 * thread.
 */
import type { Sim } from '../sim/effects.ts';
import { opResult, patternBytes, type FsOp, type OpResult } from './fsstress.ts';
import { digest } from './model.ts';
import type { COSMgr } from '../k42/cosmgr.ts';
import type { CORef } from '../k42/types.ts';
import type { FileSystemServerRep } from '../k42/fs/fs-server.ts';

/** What `runFsOp` needs: the object manager and the server's reference. */
export interface FsServerHandle {
  readonly cos: COSMgr;
  readonly serverRef: CORef<FileSystemServerRep>;
}

export function runFsOp(server: FsServerHandle, op: FsOp): Sim<OpResult> {
  return opResult(() => exec(server, op));
}

function* exec(server: FsServerHandle, op: FsOp): Sim<string | number | null> {
  const srv = yield* server.cos.DREF(server.serverRef);
  switch (op.kind) {
    case 'create':
      yield* srv.create(op.path, op.mode);
      return null;
    case 'mkdir':
      yield* srv.mkdir(op.path, op.mode);
      return null;
    case 'write':
      return yield* srv.write(op.path, op.offset, patternBytes(op.seed, op.length));
    case 'read':
      return digest(yield* srv.read(op.path, op.offset, op.length));
    case 'truncate':
      yield* srv.truncate(op.path, op.size);
      return null;
    case 'link':
      yield* srv.link(op.from, op.to);
      return null;
    case 'symlink':
      yield* srv.symlink(op.target, op.path);
      return null;
    case 'rename':
      yield* srv.rename(op.from, op.to);
      return null;
    case 'unlink':
      yield* srv.unlink(op.path);
      return null;
    case 'rmdir':
      yield* srv.rmdir(op.path);
      return null;
    case 'stat': {
      const a = yield* srv.stat(op.path);
      return a.kind === 'dir' ? `dir - ${a.nlink}` : `${a.kind} ${a.size} ${a.nlink}`;
    }
    case 'readdir':
      return (yield* srv.readdir(op.path)).sort().join(' ');
    case 'fsync':
      yield* srv.fsync(op.path);
      return null;
  }
}

/**
 * The whole tree under `root` as sorted lines (path, type, size, links and a
 * digest of the contents, or the symlink target): what "same final
 * contents" compares.
 */
export function* walkTree(server: FsServerHandle, root = '/'): Sim<string[]> {
  const srv = yield* server.cos.DREF(server.serverRef);
  const out: string[] = [];
  const visit = function* (path: string): Sim<void> {
    const names = (yield* srv.readdir(path)).sort();
    for (const name of names) {
      const p = path === '/' ? `/${name}` : `${path}/${name}`;
      const a = yield* srv.lstat(p);
      if (a.kind === 'dir') {
        out.push(`${p} dir ${a.nlink}`);
        yield* visit(p);
      } else if (a.kind === 'symlink') {
        out.push(`${p} symlink -> ${yield* srv.readlink(p)}`);
      } else {
        out.push(`${p} file ${a.size} ${a.nlink} ${digest(yield* srv.read(p, 0, a.size))}`);
      }
    }
  };
  yield* visit(root);
  return out;
}
