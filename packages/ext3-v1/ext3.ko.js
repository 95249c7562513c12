"use strict";
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

// v1/index.ts
var index_exports = {};
__export(index_exports, {
  default: () => index_default,
  ext2_release: () => ext2_release
});
module.exports = __toCommonJS(index_exports);
var import_kernel39 = require("modswap/kernel");

// common/inode-layouts.ts
var import_kernel = require("modswap/kernel");
function convertInodeV3toV2(info) {
  const a = info.alloc;
  if (a.layout === "goal") return info;
  const out = new import_kernel.Ext2InodeInfo(info.ino, info.disk, info.i_block_group, {
    layout: "goal",
    i_next_alloc_block: a.i_last_alloc_logical + 1,
    i_next_alloc_goal: a.i_last_alloc_physical > 0 ? a.i_last_alloc_physical + 1 : 0
  });
  out.i_dir_start_lookup = info.i_dir_start_lookup;
  return out;
}

// common/update.ts
var import_kernel20 = require("modswap/kernel");
var import_kernel21 = require("modswap/kernel");
var import_kernel22 = require("modswap/kernel");
var import_kernel23 = require("modswap/kernel");
var import_kernel24 = require("modswap/kernel");
var import_kernel25 = require("modswap/kernel");

// common/ext3.ts
var import_kernel2 = require("modswap/kernel");
var EXT3_SUPER_MAGIC = 61267;
var EXT3_EPOCH = 1e9;
var Ext3SbInfo = class {
  constructor(fs, dev, inodes, ctx, id, writers = /* @__PURE__ */ new Map()) {
    this.fs = fs;
    this.dev = dev;
    this.inodes = inodes;
    this.ctx = ctx;
    this.id = id;
    this.writers = writers;
  }
  fs;
  dev;
  inodes;
  ctx;
  id;
  writers;
};
var Ext3FileInfo = class {
  constructor(format) {
    this.format = format;
  }
  format;
};
function EXT3_SB(sb) {
  const sbi = sb.s_fs_info;
  if (!(sbi instanceof Ext3SbInfo)) throw new Error(`ext3: superblock ${sb.s_id} has no ext3_sb_info of this module instance`);
  return sbi;
}
function ext3_handed_over(sb) {
  const o = sb.s_fs_info;
  if (!o || !(o.fs instanceof import_kernel2.Ext2Fs) || !(o.inodes instanceof Map) || !(o.writers instanceof Map) || typeof o.id !== "string" || !o.dev) {
    throw new Error(`ext3: superblock ${sb.s_id} carries no ext3_sb_info this release can take over`);
  }
  return { fs: o.fs, dev: o.dev, inodes: o.inodes, writers: o.writers, id: o.id };
}
function cyclesPerSecond(engine) {
  return engine.cyclesPerUs * 1e6;
}
function ext3_disk_time(engine, cycles) {
  return EXT3_EPOCH + Math.floor(cycles / cyclesPerSecond(engine));
}
function ext3_vfs_time(engine, seconds) {
  return (seconds - EXT3_EPOCH) * cyclesPerSecond(engine);
}

// common/super.ts
var import_kernel8 = require("modswap/kernel");
var import_kernel9 = require("modswap/kernel");
var import_kernel10 = require("modswap/kernel");
var import_kernel11 = require("modswap/kernel");
var import_kernel12 = require("modswap/kernel");
var import_kernel13 = require("modswap/kernel");
var import_kernel14 = require("modswap/kernel");
var import_kernel15 = require("modswap/kernel");
var import_kernel16 = require("modswap/kernel");
var import_kernel17 = require("modswap/kernel");
var import_kernel18 = require("modswap/kernel");

// common/inode.ts
var import_kernel3 = require("modswap/kernel");
var import_kernel4 = require("modswap/kernel");
var import_kernel5 = require("modswap/kernel");
var import_kernel6 = require("modswap/kernel");
var import_kernel7 = require("modswap/kernel");
function EXT3_I(inode) {
  const sbi = inode.i_sb.s_fs_info;
  const priv = inode.i_private;
  if (!sbi || !(sbi instanceof Ext3SbInfo) || !sbi.fs.icache.handingOver) return priv;
  const info = ext3_switch_private(sbi.fs, inode);
  if (info !== priv) {
    inode.i_private = info;
    ext3_set_inode_ops(sbi.ctx, inode);
  }
  return info;
}
function ext3_switch_private(fs, inode, how = "onUse") {
  const priv = inode.i_private;
  if (fs.icache.isCurrent(priv)) return priv;
  return fs.icache.lookup(inode.i_ino, how) ?? fs.icache.adoptForeign(priv);
}
function ext3_set_inode_ops(ctx, inode) {
  const t = ctx.tables;
  switch (inode.i_mode & import_kernel7.S_IFMT) {
    case import_kernel7.S_IFREG:
      inode.i_op = t.ext3_file_inode_operations;
      inode.i_fop = t.ext3_file_operations;
      break;
    case import_kernel7.S_IFDIR:
      inode.i_op = t.ext3_dir_inode_operations;
      inode.i_fop = t.ext3_dir_operations;
      break;
    case import_kernel7.S_IFLNK:
      inode.i_op = t.ext3_symlink_inode_operations;
      break;
    default:
      inode.i_op = t.ext3_special_inode_operations;
  }
}
function ext3_sync_inode(inode, info = EXT3_I(inode)) {
  const d = info.disk;
  const engine = inode.i_sb.s_kernel.engine;
  inode.i_mode = d.i_mode;
  inode.i_nlink = d.i_links_count;
  inode.i_size = d.i_size;
  inode.i_uid = d.i_uid;
  inode.i_gid = d.i_gid;
  inode.i_blocks = d.i_blocks;
  if (ext3_disk_time(engine, inode.i_atime) !== d.i_atime) inode.i_atime = ext3_vfs_time(engine, d.i_atime);
  if (ext3_disk_time(engine, inode.i_mtime) !== d.i_mtime) inode.i_mtime = ext3_vfs_time(engine, d.i_mtime);
  if (ext3_disk_time(engine, inode.i_ctime) !== d.i_ctime) inode.i_ctime = ext3_vfs_time(engine, d.i_ctime);
}
function ext3_touch(inode, mtime = true) {
  const now = inode.i_sb.s_kernel.engine.now;
  inode.i_ctime = now;
  if (mtime) inode.i_mtime = now;
}
function* ext3_iget(ctx, sb, ino) {
  const sbi = EXT3_SB(sb);
  const hit = sbi.inodes.get(ino);
  if (hit) {
    (0, import_kernel5.ihold)(hit);
    return hit;
  }
  const info = yield* sbi.fs.iget(ino);
  const raced = sbi.inodes.get(ino);
  if (raced) {
    (0, import_kernel5.ihold)(raced);
    return raced;
  }
  const inode = new import_kernel5.Inode(sb);
  inode.i_ino = ino;
  inode.i_count = 1;
  const d = info.disk;
  const engine = sb.s_kernel.engine;
  inode.i_atime = ext3_vfs_time(engine, d.i_atime);
  inode.i_mtime = ext3_vfs_time(engine, d.i_mtime);
  inode.i_ctime = ext3_vfs_time(engine, d.i_ctime);
  ext3_sync_inode(inode, info);
  if ((d.i_mode & import_kernel7.S_IFMT) !== import_kernel7.S_IFREG && (d.i_mode & import_kernel7.S_IFMT) !== import_kernel7.S_IFDIR && (d.i_mode & import_kernel7.S_IFMT) !== import_kernel7.S_IFLNK) {
    inode.i_rdev = d.i_block[0] ?? 0;
  }
  ext3_set_inode_ops(ctx, inode);
  ctx.mod.instances.allocInode(inode, () => info);
  sb.s_inodes.add(inode);
  sbi.inodes.set(ino, inode);
  return inode;
}
function* ext3_evict_inode(inode) {
  const sbi = EXT3_SB(inode.i_sb);
  if (sbi.inodes.get(inode.i_ino) === inode) sbi.inodes.delete(inode.i_ino);
  yield* sbi.fs.drop(inode.i_ino);
}
function ext3_destroy_inode(ctx, inode) {
  ctx.mod.instances.freeInode(inode);
}
function* ext3_setattr(dentry, attr) {
  const inode = dentry.d_inode;
  if (!inode) throw (0, import_kernel3.errno)("ENOENT");
  const sbi = EXT3_SB(inode.i_sb);
  const engine = inode.i_sb.s_kernel.engine;
  const v = attr.ia_valid;
  const change = {};
  if (v & import_kernel6.ATTR_SIZE) {
    if (attr.ia_size > inode.i_sb.s_maxbytes) throw (0, import_kernel3.errno)("EFBIG");
    change.size = attr.ia_size;
  }
  if (v & import_kernel6.ATTR_MODE) change.mode = attr.ia_mode & 4095;
  if (v & import_kernel6.ATTR_UID) change.uid = attr.ia_uid;
  if (v & import_kernel6.ATTR_GID) change.gid = attr.ia_gid;
  const t = ext3_disk_time(engine, attr.ia_time);
  if (v & import_kernel6.ATTR_ATIME) change.atime = t;
  if (v & import_kernel6.ATTR_MTIME) change.mtime = t;
  if (v & import_kernel6.ATTR_CTIME) change.ctime = t;
  yield* sbi.fs.setattr(inode.i_ino, change);
  (0, import_kernel4.simple_setattr_copy)(inode, attr);
  ext3_sync_inode(inode);
}

// common/super.ts
var import_kernel19 = require("modswap/kernel");
var EXT3_CACHE_BUFFERS = 8192;
var EXT2_ROOT_INO = 2;
function parseOptions(data) {
  let readOnly = false;
  for (const opt of data.split(",")) {
    if (opt === "" || opt === "rw") continue;
    if (opt === "ro") readOnly = true;
    else throw (0, import_kernel8.errno)("EINVAL", `ext3: bad mount option '${opt}'`);
  }
  return { readOnly };
}
function ext3_clock(kernel) {
  return () => ext3_disk_time(kernel.engine, kernel.engine.now);
}
function ext3_super_operations(ctx) {
  function* ext3_mount(fsType, flags, devName, data, kernel) {
    const opts = parseOptions(data);
    const dev = (0, import_kernel15.claim_bdev)(kernel, devName);
    let fs;
    try {
      if (dev.sizeBytes < 2048) throw (0, import_kernel8.errno)("EINVAL", "ext3: device too small");
      const raw = yield* dev.read(import_kernel12.SUPERBLOCK_OFFSET, 1024);
      const dsb = (0, import_kernel11.decodeSuperBlock)(raw);
      (0, import_kernel11.checkMagic)(dsb);
      const log = dsb.s_log_block_size;
      if (log > 2) throw (0, import_kernel8.errno)("EINVAL", `ext3: unsupported block size (log ${log})`);
      const cache = new import_kernel13.BufferCache(kernel.engine, dev, 1024 << log, EXT3_CACHE_BUFFERS);
      fs = yield* import_kernel9.Ext2Fs.mount(dev, {
        now: ext3_clock(kernel),
        logic: ctx.release,
        readOnly: opts.readOnly || (flags & import_kernel17.MS_RDONLY) !== 0,
        cache: cache.cache,
        // several simulated threads call into one engine at once: ext3's own locks (ext2/lock.ts)
        locking: (0, import_kernel9.simLocking)(kernel.engine)
      });
    } catch (e) {
      (0, import_kernel15.release_bdev)(kernel, dev);
      throw e;
    }
    const sb = (0, import_kernel16.alloc_super)(kernel, fsType, devName);
    sb.s_magic = EXT3_SUPER_MAGIC;
    sb.s_blocksize = fs.blockSize;
    sb.s_maxbytes = (0, import_kernel10.maxFileSize)(fs);
    sb.s_flags = flags | (fs.readOnly ? import_kernel17.MS_RDONLY : 0);
    sb.s_bdev = dev;
    sb.s_op = ctx.tables.ext3_sops;
    const sbi = new Ext3SbInfo(fs, dev, /* @__PURE__ */ new Map(), ctx, import_kernel19.super_blocks_by_id.newId(devName));
    sb.s_fs_info = sbi;
    ctx.supers.add(sb);
    import_kernel19.super_blocks_by_id.set(sbi.id, sb);
    fs.startKjournald(`kjournald ${devName}`);
    const root = yield* ext3_iget(ctx, sb, EXT2_ROOT_INO);
    const d = (0, import_kernel14.d_make_root)(root);
    sb.s_root = d;
    return d;
  }
  function* ext3_kill_sb(sb) {
    yield* (0, import_kernel16.generic_shutdown_super)(sb);
  }
  function* ext3_put_super(sb) {
    const sbi = EXT3_SB(sb);
    try {
      yield* sbi.fs.unmount();
    } finally {
      sbi.ctx.supers.delete(sb);
      import_kernel19.super_blocks_by_id.delete(sbi.id);
    }
  }
  function* ext3_sync_fs(sb, _wait) {
    yield* EXT3_SB(sb).fs.sync();
  }
  function* ext3_statfs(dentry) {
    const s = EXT3_SB(dentry.d_sb).fs.statfs();
    yield 50;
    return { f_type: EXT3_SUPER_MAGIC, f_bsize: s.f_bsize, f_blocks: s.f_blocks, f_bfree: s.f_bfree, f_bavail: s.f_bavail, f_files: s.f_files, f_ffree: s.f_ffree, f_namelen: Math.min(s.f_namelen, import_kernel17.NAME_MAX) };
  }
  return { ext3_mount, ext3_kill_sb, ext3_put_super, ext3_sync_fs, ext3_statfs };
}

// common/update.ts
var PREPARE_WAIT_US = 5e3;
var KJOURNALD_PARK_LEASE_US = 2e5;
var LAZY_BATCH = 64;
var EXT3_STATE_V2 = "ext3-state@2";
var EXT3_STATE_V3 = "ext3-state@3";
var int = import_kernel20.z.number().int();
var nat = int.nonnegative();
var goalAlloc = import_kernel20.z.object({ layout: import_kernel20.z.literal("goal"), i_next_alloc_block: int, i_next_alloc_goal: nat });
var rsvAlloc = import_kernel20.z.object({
  layout: import_kernel20.z.literal("rsv"),
  i_rsv_window: import_kernel20.z.object({ start: nat, end: nat, goal: nat }).nullable(),
  i_last_alloc_logical: int,
  i_last_alloc_physical: nat
});
function inodeSchema(alloc) {
  return import_kernel20.z.object({ ino: int.positive(), group: nat, disk: import_kernel20.z.object({ raw: import_kernel20.z.string().min(1) }), alloc, dirStartLookup: nat });
}
function stateSchema(format, layout, alloc) {
  const inode = inodeSchema(alloc);
  const engine = import_kernel20.z.object({
    format: import_kernel20.z.literal(import_kernel24.EXT2_STATE_FORMAT),
    logicVersion: int.positive(),
    layout: import_kernel20.z.literal(layout),
    readOnly: import_kernel20.z.boolean(),
    inodes: import_kernel20.z.array(inode),
    orphans: import_kernel20.z.array(int.positive()),
    nextGeneration: nat,
    journal: import_kernel20.z.object({ sequence: nat, head: nat, tail: nat, tailSequence: nat, used: nat }).nullable(),
    pendingFree: import_kernel20.z.array(nat),
    maxTransactionBlocks: int.positive().nullable(),
    mountCount: nat
  });
  return import_kernel20.z.object({ format: import_kernel20.z.literal(format), supers: import_kernel20.z.array(import_kernel20.z.object({ id: import_kernel20.z.string().min(1), dev: import_kernel20.z.string(), engine })) });
}
var EXT3_STATE_V2_SCHEMA = stateSchema(EXT3_STATE_V2, "goal", goalAlloc);
var EXT3_STATE_V3_SCHEMA = stateSchema(EXT3_STATE_V3, "rsv", rsvAlloc);
var SCHEMAS = { [EXT3_STATE_V2]: EXT3_STATE_V2_SCHEMA, [EXT3_STATE_V3]: EXT3_STATE_V3_SCHEMA };
var EXT3_INODE_V2_SCHEMA = inodeSchema(goalAlloc);
var EXT3_INODE_V3_SCHEMA = inodeSchema(rsvAlloc);
var INODE_SCHEMAS = { [EXT3_STATE_V2]: EXT3_INODE_V2_SCHEMA, [EXT3_STATE_V3]: EXT3_INODE_V3_SCHEMA };
function pick(all, names) {
  const out = {};
  for (const n of names) if (all[n]) out[n] = all[n];
  return out;
}
function ext3_update_hooks(ctx) {
  const formats = ctx.formats.formats;
  const layout = ctx.release.alloc.layout;
  function* ext3_export_state(format) {
    if (!formats.includes(format)) throw (0, import_kernel22.errno)("EINVAL", `ext3 v${ctx.release.version} cannot export ${format}`);
    const supers = [];
    const sbs = [...ctx.supers].sort((a, b) => EXT3_SB(a).id < EXT3_SB(b).id ? -1 : 1);
    for (const sb of sbs) {
      const sbi = EXT3_SB(sb);
      const engine = yield* (0, import_kernel23.exportState)(sbi.fs, { handOver: true, inodes: false });
      supers.push({ id: sbi.id, dev: sb.s_id, engine: ctx.formats.exportAs(format, engine) });
    }
    const snap = { format, supers };
    return snap;
  }
  function ext3_export_inode(format, priv) {
    if (!formats.includes(format)) throw (0, import_kernel22.errno)("EINVAL", `ext3 v${ctx.release.version} cannot export ${format}`);
    const info = priv;
    return (0, import_kernel23.inodeInfoToJSON)(format === EXT3_STATE_V2 ? convertInodeV3toV2(info) : info);
  }
  function ext3_import_inode(fs, data) {
    const info = ctx.release.convertInode((0, import_kernel23.inodeInfoFromJSON)(data));
    if (info.alloc.layout === "rsv" && info.alloc.i_rsv_window) fs.rsvWindows.set(info.ino, info.alloc.i_rsv_window);
    return info;
  }
  function* ext3_import_state(format, snapshot, costs, lazy) {
    if (!formats.includes(format)) throw (0, import_kernel22.errno)("EINVAL", `ext3 v${ctx.release.version} cannot import ${format}`);
    const snap = snapshot;
    if (snap.format !== format) throw (0, import_kernel22.errno)("EINVAL", `snapshot is ${snap.format}, expected ${format}`);
    const staged = [];
    try {
      for (const s of snap.supers) {
        const sb = import_kernel25.super_blocks_by_id.get(s.id);
        if (!sb) throw (0, import_kernel22.errno)("ESTALE", `ext3: superblock ${s.id} (${s.dev}) is gone`);
        const old = ext3_handed_over(sb);
        const fs = yield* (0, import_kernel23.importState)(old.dev, s.engine, { now: ext3_clock(sb.s_kernel), logic: ctx.release, from: old.fs, costs });
        if (lazy) {
          fs.icache.takeLazily(old.fs.icache, (o) => ext3_import_inode(fs, lazy.exportInode(o)), costs.stateExportInode + costs.stateImportInode);
          yield costs.stateHandoverInode;
        } else {
          let converted = 0;
          for (const info of old.fs.icache.values()) {
            const mine = ctx.release.convertInode(info);
            if (mine !== info) converted++;
            fs.adopt(mine);
            if (mine.alloc.layout === "rsv" && mine.alloc.i_rsv_window) fs.rsvWindows.set(mine.ino, mine.alloc.i_rsv_window);
          }
          yield old.fs.icache.size * costs.stateHandoverInode + converted * costs.stateConvertInode;
        }
        staged.push({ sb, old, sbi: new Ext3SbInfo(fs, old.dev, old.inodes, ctx, old.id, old.writers) });
      }
    } catch (e) {
      for (const st of staged) st.sbi.fs.retired = true;
      throw e;
    }
    const bySb = new Map(staged.map((st) => [st.sb, st]));
    const fileFormat = ctx.formats.fileFormat;
    return {
      // same per-inode layout (v1 -> v2): the cached inodes are adopted as they are
      convertsInstances: snap.supers.some((s) => s.engine.layout !== layout),
      lazyInstances: lazy !== void 0,
      *drainRest() {
        for (const st of staged) {
          const cache = st.sbi.fs.icache;
          while (cache.lazy) {
            cache.convertNext(LAZY_BATCH);
            yield cache.takeDebt();
            yield* (0, import_kernel21.yieldCpu)();
          }
          if (cache.handingOver) cache.endHandOver();
        }
      },
      takeDebt() {
        let d = 0;
        for (const st of staged) d += st.sbi.fs.icache.takeDebt();
        return d;
      },
      lazyStats() {
        const out = { handedOver: 0, onUse: 0, background: 0, dropped: 0 };
        for (const st of staged) {
          const l = st.sbi.fs.icache.lazyStats;
          if (!l) continue;
          out.handedOver += l.handedOver;
          out.onUse += l.onUse;
          out.background += l.background;
          out.dropped += l.dropped;
        }
        return out;
      },
      convertInode(inode) {
        const st = bySb.get(inode.i_sb);
        if (!st) throw new Error(`ext3: inode ${inode.i_ino} of an unknown superblock`);
        const fs = st.sbi.fs;
        if (lazy) return ext3_switch_private(fs, inode, "background");
        const cached = fs.icache.get(inode.i_ino);
        if (cached) return cached;
        const old = inode.i_private;
        const info = ctx.release.convertInode(old);
        fs.adopt(info);
        if (info.alloc.layout === "rsv" && info.alloc.i_rsv_window) fs.rsvWindows.set(info.ino, info.alloc.i_rsv_window);
        return info;
      },
      convertFile(_file) {
        return new Ext3FileInfo(fileFormat);
      },
      commit() {
        for (const st of staged) {
          st.sb.s_fs_info = st.sbi;
          const kj = st.old.fs.kjournald;
          if (kj && st.sbi.fs.journal) {
            st.old.fs.kjournald = null;
            st.sbi.fs.kjournald = kj;
            kj.handOver(st.sbi.fs.journal);
            kj.unpark();
          }
          st.old.fs.retired = true;
          ctx.supers.add(st.sb);
        }
      },
      abort() {
        for (const st of staged) {
          st.sbi.fs.retired = true;
          st.old.fs.kjournald?.unpark();
        }
      }
    };
  }
  function* ext3_prepare() {
    for (const sb of [...ctx.supers]) {
      const fs = EXT3_SB(sb).fs;
      if (fs.readOnly || fs.retired) continue;
      const cyclesPerUs = sb.s_kernel.engine.cyclesPerUs;
      const wait = Math.round(PREPARE_WAIT_US * cyclesPerUs);
      if (!(yield* fs.syncWithin(wait))) continue;
      if (fs.kjournald) yield* fs.kjournald.park(wait, Math.round(KJOURNALD_PARK_LEASE_US * cyclesPerUs));
    }
  }
  return {
    exportFormats: formats,
    importFormats: formats,
    stateSchemas: pick(SCHEMAS, formats),
    inodeSchemas: pick(INODE_SCHEMAS, formats),
    prepare: ext3_prepare,
    exportState: ext3_export_state,
    exportInode: ext3_export_inode,
    importState: ext3_import_state
  };
}

// common/formats.ts
var GOAL_LAYOUT_FORMATS = {
  formats: [EXT3_STATE_V2],
  fileFormat: 2,
  exportAs: (_format, s) => s
};
function toGoalLayout(info) {
  return convertInodeV3toV2(info);
}

// common/module.ts
var import_kernel34 = require("modswap/kernel");
var import_kernel35 = require("modswap/kernel");
var import_kernel36 = require("modswap/kernel");
var import_kernel37 = require("modswap/kernel");

// common/file.ts
var import_kernel26 = require("modswap/kernel");
var import_kernel27 = require("modswap/kernel");
var import_kernel28 = require("modswap/kernel");
var DT_OF_FILETYPE = [import_kernel27.DT_UNKNOWN, import_kernel27.DT_REG, import_kernel27.DT_DIR, 2, 6, 1, 12, import_kernel27.DT_LNK];
function ext3_file_ops(ctx) {
  function* ext3_file_open(inode, file) {
    ctx.mod.instances.allocFile(file, () => new Ext3FileInfo(ctx.formats.fileFormat));
    if (file.f_mode & import_kernel27.FMODE_WRITE) {
      const w = EXT3_SB(inode.i_sb).writers;
      w.set(inode.i_ino, (w.get(inode.i_ino) ?? 0) + 1);
    }
  }
  function* ext3_release_file(inode, file) {
    ctx.mod.instances.freeFile(file);
    if (!(file.f_mode & import_kernel27.FMODE_WRITE)) return;
    const sbi = EXT3_SB(inode.i_sb);
    const left = (sbi.writers.get(inode.i_ino) ?? 1) - 1;
    if (left > 0) {
      sbi.writers.set(inode.i_ino, left);
      return;
    }
    sbi.writers.delete(inode.i_ino);
    const fs = sbi.fs;
    const info = fs.icache.get(inode.i_ino);
    if (!info || !ctx.release.alloc.hasReservation(info) || fs.retired) return;
    const tm = fs.truncateMutex(info);
    yield* tm.lock();
    try {
      ctx.release.alloc.discardReservation(fs, info);
    } finally {
      yield* tm.unlock();
    }
  }
  function* ext3_file_read(file, buf, ppos) {
    const inode = file.f_inode;
    const lock = inode.i_rwsem;
    yield* lock.down_read();
    try {
      const pos = ppos.pos;
      if (pos >= inode.i_size || buf.length === 0) return 0;
      const n = Math.min(buf.length, inode.i_size - pos);
      const data = yield* EXT3_SB(inode.i_sb).fs.read(inode.i_ino, pos, n);
      buf.set(data);
      ppos.pos = pos + data.length;
      return data.length;
    } finally {
      yield* lock.up_read();
    }
  }
  function* ext3_file_write(file, data, ppos) {
    const inode = file.f_inode;
    const lock = inode.i_rwsem;
    yield* lock.lock();
    try {
      if (file.f_flags & import_kernel28.O_APPEND) ppos.pos = inode.i_size;
      const pos = ppos.pos;
      if (data.length === 0) return 0;
      if (pos + data.length > inode.i_sb.s_maxbytes) throw (0, import_kernel26.errno)("EFBIG");
      const n = yield* EXT3_SB(inode.i_sb).fs.write(inode.i_ino, pos, data);
      ppos.pos = pos + n;
      ext3_touch(inode);
      ext3_sync_inode(inode);
      return n;
    } finally {
      yield* lock.unlock();
    }
  }
  function* ext3_sync_file(file, _datasync) {
    yield* EXT3_SB(file.f_inode.i_sb).fs.fsync(file.f_inode.i_ino);
  }
  function* ext3_dir_read(_file, _buf, _ppos) {
    throw (0, import_kernel26.errno)("EISDIR");
  }
  function* ext3_readdir(file, dc) {
    const inode = file.f_inode;
    const entries = yield* EXT3_SB(inode.i_sb).fs.readdir(inode.i_ino, dc.pos);
    for (const e of entries) {
      if (!dc.actor(e.name, e.ino, DT_OF_FILETYPE[e.fileType] ?? import_kernel27.DT_UNKNOWN)) return;
      dc.pos = e.pos + 1;
    }
    dc.pos = Math.max(dc.pos, inode.i_size);
  }
  function* ext3_get_link(_dentry, inode) {
    return yield* EXT3_SB(inode.i_sb).fs.readlink(inode.i_ino);
  }
  return { ext3_file_open, ext3_release_file, ext3_file_read, ext3_file_write, ext3_sync_file, ext3_dir_read, ext3_readdir, ext3_get_link };
}

// common/namei.ts
var import_kernel29 = require("modswap/kernel");
var import_kernel30 = require("modswap/kernel");
var import_kernel31 = require("modswap/kernel");
var import_kernel32 = require("modswap/kernel");
var import_kernel33 = require("modswap/kernel");
var RENAME_NOREPLACE = 1;
function nameTooLong(name) {
  return name.length > import_kernel32.NAME_MAX / 3 && Buffer.byteLength(name) > import_kernel32.NAME_MAX;
}
function newOwner(dir, mode, cred) {
  if (dir.i_mode & import_kernel33.S_ISGID) return { mode: (0, import_kernel33.S_ISDIR)(mode) ? mode | import_kernel33.S_ISGID : mode, uid: cred.uid, gid: dir.i_gid };
  return { mode, uid: cred.uid, gid: cred.gid };
}
function ext3_namei_operations(ctx) {
  function* instantiate(dir, dentry, ino) {
    const inode = yield* ext3_iget(ctx, dir.i_sb, ino);
    (0, import_kernel30.d_instantiate)(dentry, inode);
    ext3_touch(dir);
    ext3_sync_inode(dir);
  }
  function* ext3_lookup(dir, dentry) {
    if (nameTooLong(dentry.d_name)) throw (0, import_kernel29.errno)("ENAMETOOLONG");
    if (dir.i_nlink === 0) {
      (0, import_kernel30.d_add)(dentry, null);
      return;
    }
    let ino;
    try {
      ino = yield* EXT3_SB(dir.i_sb).fs.lookup(dir.i_ino, dentry.d_name);
    } catch (e) {
      if ((0, import_kernel29.isErrno)(e, "ENOENT")) {
        (0, import_kernel30.d_add)(dentry, null);
        return;
      }
      throw e;
    }
    (0, import_kernel30.d_add)(dentry, yield* ext3_iget(ctx, dir.i_sb, ino));
  }
  function* ext3_create(dir, dentry, mode, _excl, cred) {
    const o = newOwner(dir, mode & ~import_kernel33.S_IFMT | import_kernel33.S_IFREG, cred);
    const info = yield* EXT3_SB(dir.i_sb).fs.create(dir.i_ino, dentry.d_name, o.mode, o.uid, o.gid);
    yield* instantiate(dir, dentry, info.ino);
  }
  function* ext3_mkdir(dir, dentry, mode, cred) {
    const o = newOwner(dir, mode & ~import_kernel33.S_IFMT | import_kernel33.S_IFDIR, cred);
    const info = yield* EXT3_SB(dir.i_sb).fs.mkdir(dir.i_ino, dentry.d_name, o.mode, o.uid, o.gid);
    yield* instantiate(dir, dentry, info.ino);
  }
  function* ext3_symlink(dir, dentry, target, cred) {
    const o = newOwner(dir, import_kernel33.S_IFLNK | 511, cred);
    const info = yield* EXT3_SB(dir.i_sb).fs.symlink(dir.i_ino, dentry.d_name, target, o.uid, o.gid);
    yield* instantiate(dir, dentry, info.ino);
  }
  function* ext3_link(oldDentry, dir, dentry) {
    const inode = oldDentry.d_inode;
    yield* EXT3_SB(dir.i_sb).fs.link(inode.i_ino, dir.i_ino, dentry.d_name);
    (0, import_kernel31.ihold)(inode);
    (0, import_kernel30.d_instantiate)(dentry, inode);
    ext3_touch(inode, false);
    ext3_sync_inode(inode);
    ext3_touch(dir);
    ext3_sync_inode(dir);
  }
  function* ext3_unlink(dir, dentry) {
    const inode = dentry.d_inode;
    yield* EXT3_SB(dir.i_sb).fs.unlink(dir.i_ino, dentry.d_name);
    ext3_touch(inode, false);
    ext3_sync_inode(inode);
    ext3_touch(dir);
    ext3_sync_inode(dir);
  }
  function* ext3_rmdir(dir, dentry) {
    const inode = dentry.d_inode;
    yield* EXT3_SB(dir.i_sb).fs.rmdir(dir.i_ino, dentry.d_name);
    ext3_touch(inode, false);
    ext3_sync_inode(inode);
    ext3_touch(dir);
    ext3_sync_inode(dir);
  }
  function* ext3_rename2(oldDir, oldDentry, newDir, newDentry, flags) {
    if (flags & ~RENAME_NOREPLACE) throw (0, import_kernel29.errno)("EINVAL");
    const target = newDentry.d_inode;
    if (target && flags & RENAME_NOREPLACE) throw (0, import_kernel29.errno)("EEXIST");
    const source = oldDentry.d_inode;
    yield* EXT3_SB(oldDir.i_sb).fs.rename(oldDir.i_ino, oldDentry.d_name, newDir.i_ino, newDentry.d_name);
    for (const inode of /* @__PURE__ */ new Set([source, oldDir, newDir, ...target ? [target] : []])) {
      ext3_touch(inode, inode !== source && inode !== target);
      ext3_sync_inode(inode);
    }
  }
  return { ext3_lookup, ext3_create, ext3_mkdir, ext3_symlink, ext3_link, ext3_unlink, ext3_rmdir, ext3_rename: ext3_rename2 };
}

// common/module.ts
function instantiateRelease(release, formats, mod) {
  const ctx = { mod, release, formats, supers: /* @__PURE__ */ new Set(), tables: null, kernel: null };
  const n = ext3_namei_operations(ctx);
  const f = ext3_file_ops(ctx);
  const s = ext3_super_operations(ctx);
  const ext3_file_operations = {
    owner: mod,
    open: f.ext3_file_open,
    release: f.ext3_release_file,
    read: f.ext3_file_read,
    write: f.ext3_file_write,
    llseek: import_kernel35.generic_file_llseek,
    fsync: f.ext3_sync_file
  };
  const ext3_dir_operations = {
    owner: mod,
    open: f.ext3_file_open,
    release: f.ext3_release_file,
    read: f.ext3_dir_read,
    iterate: f.ext3_readdir,
    llseek: import_kernel35.generic_file_llseek,
    fsync: f.ext3_sync_file
  };
  const ext3_file_inode_operations = { setattr: ext3_setattr };
  const ext3_dir_inode_operations = {
    create: n.ext3_create,
    lookup: n.ext3_lookup,
    link: n.ext3_link,
    unlink: n.ext3_unlink,
    symlink: n.ext3_symlink,
    mkdir: n.ext3_mkdir,
    rmdir: n.ext3_rmdir,
    rename: n.ext3_rename,
    setattr: ext3_setattr
  };
  const ext3_symlink_inode_operations = { get_link: f.ext3_get_link, setattr: ext3_setattr };
  const ext3_special_inode_operations = { setattr: ext3_setattr };
  const ext3_sops = {
    destroy_inode: function* (inode) {
      ext3_destroy_inode(ctx, inode);
    },
    evict_inode: ext3_evict_inode,
    put_super: s.ext3_put_super,
    sync_fs: s.ext3_sync_fs,
    statfs: s.ext3_statfs
  };
  const ext3_fs_type = {
    name: "ext3",
    fs_flags: import_kernel36.FS_REQUIRES_DEV,
    owner: mod,
    mount: s.ext3_mount,
    kill_sb: s.ext3_kill_sb
  };
  ctx.tables = {
    ext3_file_operations,
    ext3_dir_operations,
    ext3_file_inode_operations,
    ext3_dir_inode_operations,
    ext3_symlink_inode_operations,
    ext3_special_inode_operations,
    ext3_sops,
    ext3_fs_type
  };
  return {
    tables: (0, import_kernel37.exportTables)({
      file_operations: { ext3_file_operations, ext3_dir_operations },
      inode_operations: { ext3_file_inode_operations, ext3_dir_inode_operations, ext3_symlink_inode_operations, ext3_special_inode_operations },
      super_operations: { ext3_sops },
      file_system_type: { ext3_fs_type }
    }),
    /** module_init: register the type (during a live update the VFS stages it until redirect). */
    *init(kernel) {
      ctx.kernel = kernel;
      (0, import_kernel34.register_filesystem)(kernel, ext3_fs_type);
    },
    /** module_exit: unregister, unless a newer release's type has taken the name over. */
    *exit(kernel) {
      if (kernel.file_systems.get("ext3") === ext3_fs_type) (0, import_kernel34.unregister_filesystem)(kernel, ext3_fs_type);
    },
    update: ext3_update_hooks(ctx)
  };
}
function ext3ModuleDefinition(spec) {
  return {
    name: "ext3",
    version: String(spec.release.version),
    description: spec.description,
    license: "GPL",
    depends: [],
    size: 98304,
    instantiate: (mod) => instantiateRelease(spec.release, spec.formats, mod)
  };
}

// v1/rename.ts
var import_kernel38 = require("modswap/kernel");
function* ext3_rename(fs, oldDir, oldName, newDir, newName) {
  if (oldName === "." || oldName === ".." || newName === "." || newName === "..") throw (0, import_kernel38.errno)("EINVAL");
  (0, import_kernel38.checkName)(newName);
  if (!(0, import_kernel38.S_ISDIR)(oldDir.disk.i_mode) || !(0, import_kernel38.S_ISDIR)(newDir.disk.i_mode)) throw (0, import_kernel38.errno)("ENOTDIR");
  const src = yield* (0, import_kernel38.dirLookup)(fs, oldDir, oldName);
  if (!src) throw (0, import_kernel38.errno)("ENOENT");
  const srcInfo = yield* fs.iget(src.ino);
  const srcIsDir = (0, import_kernel38.S_ISDIR)(srcInfo.disk.i_mode);
  const crossDir = oldDir.ino !== newDir.ino;
  if (srcIsDir && crossDir && (yield* (0, import_kernel38.isAncestor)(fs, srcInfo.ino, newDir))) throw (0, import_kernel38.errno)("EINVAL");
  const dst = yield* (0, import_kernel38.dirLookup)(fs, newDir, newName);
  let dstInfo;
  if (dst) {
    if (dst.ino === src.ino) return 0;
    dstInfo = yield* fs.iget(dst.ino);
    const dstIsDir = (0, import_kernel38.S_ISDIR)(dstInfo.disk.i_mode);
    if (srcIsDir && !dstIsDir) throw (0, import_kernel38.errno)("ENOTDIR");
    if (!srcIsDir && dstIsDir) throw (0, import_kernel38.errno)("EISDIR");
    if (dstIsDir && !(yield* (0, import_kernel38.dirIsEmpty)(fs, dstInfo))) throw (0, import_kernel38.errno)("ENOTEMPTY");
  }
  const ft = (0, import_kernel38.fileTypeOfMode)(srcInfo.disk.i_mode);
  let orphan = 0;
  if (dst && dstInfo) {
    yield* (0, import_kernel38.dirSetEntry)(fs, newDir, dst, srcInfo.ino, ft);
    if ((0, import_kernel38.S_ISDIR)(dstInfo.disk.i_mode)) {
      yield* (0, import_kernel38.killDir)(fs, dstInfo);
      if (newDir.disk.i_links_count > 2) newDir.disk.i_links_count--;
      yield* fs.writeInode(newDir);
    } else {
      yield* (0, import_kernel38.decLink)(fs, dstInfo);
    }
    if (dstInfo.disk.i_links_count === 0) orphan = dstInfo.ino;
  } else {
    yield* (0, import_kernel38.dirAddEntry)(fs, newDir, newName, srcInfo.ino, ft);
  }
  yield* (0, import_kernel38.dirRemoveEntry)(fs, oldDir, oldName);
  if (srcIsDir && crossDir) {
    const dotdot = yield* (0, import_kernel38.dirLookup)(fs, srcInfo, "..");
    if (!dotdot) throw (0, import_kernel38.errno)("EUCLEAN", `directory ${srcInfo.ino} has no '..'`);
    yield* (0, import_kernel38.dirSetEntry)(fs, srcInfo, dotdot, newDir.ino, import_kernel38.EXT2_FT_DIR);
    yield* fs.writeInode(oldDir);
    yield* fs.writeInode(newDir);
  }
  srcInfo.disk.i_ctime = fs.now();
  yield* fs.writeInode(srcInfo);
  yield* (0, import_kernel38.touchDir)(fs, oldDir);
  if (crossDir) yield* (0, import_kernel38.touchDir)(fs, newDir);
  return orphan;
}

// v1/index.ts
var ext2_release = {
  version: 1,
  name: "ext3 release 1 (rename link-count bug)",
  alloc: import_kernel39.goalAllocPolicy,
  rename: ext3_rename,
  convertInode: toGoalLayout
};
var index_default = ext3ModuleDefinition({
  release: ext2_release,
  formats: GOAL_LAYOUT_FORMATS,
  description: "ext3 v1: journaling ext2 file system on a block device (rename link-count bug)"
});
