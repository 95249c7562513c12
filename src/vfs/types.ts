/**
 * Constants and plain records of the VFS's in-kernel interface: f_mode bits,
 * permission masks, capabilities, setattr, dirent records, mount flags.
 * The user-kernel ABI (file modes, open flags, struct stat) is in src/uapi.
 */
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '../uapi/stat.ts';

/** f_mode bits (include/linux/fs.h). */
export const FMODE_READ = 0x1;
export const FMODE_WRITE = 0x2;

// ---- permission masks (include/linux/fs.h) ---------------------------------
export const MAY_EXEC = 0x1;
export const MAY_WRITE = 0x2;
export const MAY_READ = 0x4;
export const MAY_APPEND = 0x8;
export const MAY_OPEN = 0x20;

// ---- capabilities (include/uapi/linux/capability.h), as bits of a number ---
export const CAP_CHOWN = 0;
export const CAP_DAC_OVERRIDE = 1;
export const CAP_DAC_READ_SEARCH = 2;
export const CAP_FOWNER = 3;
export const CAP_FSETID = 4;
export const CAP_SYS_MODULE = 16;
export const CAP_SYS_ADMIN = 21;
/** Every capability this model knows about (what root has). */
export const CAP_FULL_SET =
  (1 << CAP_CHOWN) |
  (1 << CAP_DAC_OVERRIDE) |
  (1 << CAP_DAC_READ_SEARCH) |
  (1 << CAP_FOWNER) |
  (1 << CAP_FSETID) |
  (1 << CAP_SYS_MODULE) |
  (1 << CAP_SYS_ADMIN);

// ---- limits ------------------------------------------------------------------
/** Longest name in a directory, bytes (include/uapi/linux/limits.h). */
export const NAME_MAX = 255;
/** Longest path including its terminating NUL, bytes. */
export const PATH_MAX = 4096;
/** Symlinks followed in one walk before ELOOP (fs/namei.c MAXSYMLINKS). */
export const MAXSYMLINKS = 40;
/** Largest file offset; 2^53-1 here because offsets are JS numbers (Linux: 2^63-1). */
export const MAX_LFS_FILESIZE = Number.MAX_SAFE_INTEGER;
/** Open files per task (RLIMIT_NOFILE default). */
export const NR_OPEN_DEFAULT = 1024;

// ---- setattr (include/linux/fs.h struct iattr) -----------------------------
export const ATTR_MODE = 1 << 0;
export const ATTR_UID = 1 << 1;
export const ATTR_GID = 1 << 2;
export const ATTR_SIZE = 1 << 3;
export const ATTR_ATIME = 1 << 4;
export const ATTR_MTIME = 1 << 5;
export const ATTR_CTIME = 1 << 6;
/** The kernel's own change (a set-id kill on write/truncate): setattr_prepare's checks are skipped. */
export const ATTR_FORCE = 1 << 9;
/** Clear S_ISUID if set (notify_change turns it into a mode change). */
export const ATTR_KILL_SUID = 1 << 11;
/** Clear S_ISGID if set together with group-execute. */
export const ATTR_KILL_SGID = 1 << 12;

export interface Iattr {
  ia_valid: number;
  ia_mode: number;
  ia_uid: number;
  ia_gid: number;
  ia_size: number;
  /** Time to stamp (modelled cycles); the VFS fills it from the engine clock. */
  ia_time: number;
}

/** d_type values (include/linux/fs_types.h). */
export const DT_UNKNOWN = 0;
export const DT_DIR = 4;
export const DT_REG = 8;
export const DT_LNK = 10;

export function dt_type(mode: number): number {
  switch (mode & S_IFMT) {
    case S_IFDIR:
      return DT_DIR;
    case S_IFREG:
      return DT_REG;
    case S_IFLNK:
      return DT_LNK;
    default:
      return (mode & S_IFMT) >> 12;
  }
}

/** One getdents64 record. */
export interface Dirent {
  d_ino: number;
  d_off: number;
  d_type: number;
  d_name: string;
}

/** Size of a linux_dirent64 record for a name (header 19 bytes, NUL, 8-aligned). */
export function direntRecLen(name: string): number {
  return (19 + Buffer.byteLength(name) + 1 + 7) & ~7;
}

/** Mount flags (MS_*). */
export const MS_RDONLY = 1;
/** file_system_type.fs_flags */
export const FS_REQUIRES_DEV = 1;
