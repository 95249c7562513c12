/**
 * open(2) flags and lseek(2) whence values of the user-kernel ABI.
 *
 * Open-flag values are PowerPC's (arch/powerpc/include/uapi/asm/fcntl.h),
 * which differ from x86 for O_DIRECTORY and O_NOFOLLOW: the modelled machine
 * is a PowerPC.
 */

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

// ---- lseek whence ----------------------------------------------------------
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;
