/**
 * Linux errno values and the one error type every layer throws for them.
 *
 * It lives in src/uapi (the user-kernel ABI, the bottom layer) because both
 * kernels modelled above (the Linux VFS and K42, whose SysStatus carries an
 * errno as its GenCode), the shared ext2 code and user space all speak it. Inner code throws a bare `ErrnoError`
 * with just the code; the syscall layer adds `syscall` and `path` (the way
 * Linux ops return -ENOENT and the syscall reports it).
 */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  ENOTBLK: 15,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOLCK: 37,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENODATA: 61,
  ETIME: 62,
  EOVERFLOW: 75,
  EBADMSG: 74,
  EOPNOTSUPP: 95,
  ETIMEDOUT: 110,
  ESTALE: 116,
  EUCLEAN: 117,
  ECANCELED: 125,
  ENOKEY: 126,
  EKEYEXPIRED: 127,
  EKEYREVOKED: 128,
  EKEYREJECTED: 129,
} as const;

export type ErrnoCode = keyof typeof ERRNO;

/** Short descriptions as strerror(3) gives them. */
const MESSAGES: Partial<Record<ErrnoCode, string>> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EIO: 'Input/output error',
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  EXDEV: 'Invalid cross-device link',
  ENODEV: 'No such device',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EINVAL: 'Invalid argument',
  EMFILE: 'Too many open files',
  EFBIG: 'File too large',
  ENOSPC: 'No space left on device',
  ESPIPE: 'Illegal seek',
  EROFS: 'Read-only file system',
  EMLINK: 'Too many links',
  ENAMETOOLONG: 'File name too long',
  ENOSYS: 'Function not implemented',
  ENOTEMPTY: 'Directory not empty',
  ELOOP: 'Too many levels of symbolic links',
  EOVERFLOW: 'Value too large for defined data type',
  EOPNOTSUPP: 'Operation not supported',
  ETIMEDOUT: 'Connection timed out',
  EUCLEAN: 'Structure needs cleaning',
  ECANCELED: 'Operation canceled',
  EKEYREJECTED: 'Key was rejected by service',
  ENOKEY: 'Required key not available',
};

export function strerror(code: ErrnoCode): string {
  return MESSAGES[code] ?? code;
}

export class ErrnoError extends Error {
  readonly errno: number;
  readonly code: ErrnoCode;
  syscall: string | undefined;
  path: string | undefined;
  /** Free-form cause shown after the standard message (e.g. what was corrupt). */
  readonly detail: string | undefined;

  constructor(code: ErrnoCode, syscall?: string, path?: string, detail?: string) {
    // An errno is an ordinary result (a negative lookup is ENOENT), thrown on
    // hot paths and never shown to a user with a stack: don't capture one.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super('');
    Error.stackTraceLimit = limit;
    this.name = 'ErrnoError';
    this.code = code;
    this.syscall = syscall;
    this.path = path;
    this.detail = detail;
    this.errno = ERRNO[code];
    this.message = this.describe();
  }

  /** Attach syscall and path if not already set; returns this (for rethrow). */
  withContext(syscall: string, path?: string): this {
    if (this.syscall === undefined) this.syscall = syscall;
    if (this.path === undefined && path !== undefined) this.path = path;
    this.message = this.describe();
    return this;
  }

  private describe(): string {
    let s = `${this.code}: ${strerror(this.code)}`;
    if (this.syscall) s += `, ${this.syscall}`;
    if (this.path !== undefined) s += ` '${this.path}'`;
    if (this.detail) s += ` (${this.detail})`;
    return s;
  }

  toJSON(): { code: ErrnoCode; errno: number; syscall?: string; path?: string; detail?: string } {
    return {
      code: this.code,
      errno: this.errno,
      ...(this.syscall !== undefined ? { syscall: this.syscall } : {}),
      ...(this.path !== undefined ? { path: this.path } : {}),
      ...(this.detail !== undefined ? { detail: this.detail } : {}),
    };
  }
}

/** Throw a bare errno (inner code; the syscall layer adds context). */
export function errno(code: ErrnoCode, detail?: string): ErrnoError {
  return new ErrnoError(code, undefined, undefined, detail);
}

export function isErrno(e: unknown, code?: ErrnoCode): e is ErrnoError {
  return e instanceof ErrnoError && (code === undefined || e.code === code);
}
