/**
 * File modes and the stat/statfs records of the user-kernel ABI
 * (include/uapi/linux/stat.h, struct stat, struct statfs): the one home of the
 * S_IF* bits, shared by the VFS, the ext2 on-disk code (i_mode), K42 and user
 * space.
 */

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
