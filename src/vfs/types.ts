/**
 * Constants and plain records of the modelled Linux ABI: file modes, open
 * flags, permission masks, capabilities, and the stat/statfs/dirent records
 * syscalls return.
 *
 * Open-flag values are PowerPC's (arch/powerpc/include/uapi/asm/fcntl.h),
 * which differ from x86 for O_DIRECTORY and O_NOFOLLOW: the modelled machine
 * is a PowerPC.
 */

// ---- file modes (include/uapi/linux/stat.h) --------------------------------
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;
export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_ISVTX = 0o1000;
export const S_IRWXU = 0o700;
export const S_IRWXG = 0o070;
export const S_IXGRP = 0o010;
export const S_IRWXO = 0o007;
export const S_IRWXUGO = 0o777;
export const S_IALLUGO = 0o7777;

export const S_ISDIR = (m: number): boolean => (m & S_IFMT) === S_IFDIR;
export const S_ISREG = (m: number): boolean => (m & S_IFMT) === S_IFREG;
export const S_ISLNK = (m: number): boolean => (m & S_IFMT) === S_IFLNK;

// ---- open(2) flags, PowerPC values ------------------------------------------
export const O_ACCMODE = 0o3;
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DIRECTORY = 0o40000;
export const O_NOFOLLOW = 0o100000;
export const O_LARGEFILE = 0o200000;
export const O_CLOEXEC = 0o2000000;

/** f_mode bits (include/linux/fs.h). */
export const FMODE_READ = 0x1;
export const FMODE_WRITE = 0x2;

// ---- lseek whence ----------------------------------------------------------
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;

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

/** What stat(2) returns (struct stat, times in modelled cycles). */
export interface Stat {
  dev: number;
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  size: number;
  blksize: number;
  blocks: number;
  atime: number;
  mtime: number;
  ctime: number;
}

/** What statfs(2) returns. */
export interface Statfs {
  f_type: number;
  f_bsize: number;
  f_blocks: number;
  f_bfree: number;
  f_bavail: number;
  f_files: number;
  f_ffree: number;
  f_namelen: number;
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
