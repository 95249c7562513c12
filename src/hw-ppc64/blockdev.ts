/**
 * The block-device contract every disk model implements and every file system
 * (the VFS buffer cache, the shared ext2 code, the K42 file service) consumes.
 *
 * Offsets and lengths are in bytes and must be multiples of `sectorSize`.
 * Reads and writes are generators: they take modelled time, and a real device
 * completes them by interrupt, so the calling thread blocks meanwhile. A
 * failure (injected EIO, out-of-range access) throws an `ErrnoError`.
 */
import type { Sim } from '../sim/effects.ts';

export interface BlockDevice {
  readonly name: string;
  readonly sectorSize: number;
  readonly sizeBytes: number;
  readonly readOnly: boolean;
  read(offset: number, length: number): Sim<Uint8Array>;
  write(offset: number, data: Uint8Array): Sim<void>;
  /**
   * As `write`, but the device may keep `data` until the write completes
   * instead of copying it at submission: what reaches the medium is its
   * contents at completion. For a buffer the caller hands over (a fresh
   * bounce buffer, a frozen journal image), or a cached block that is
   * marked dirty again if it changes meanwhile (a page under writeback
   * without stable pages, as Linux's buffer heads). Optional; callers fall
   * back to `write`.
   */
  writeNoCopy?(offset: number, data: Uint8Array): Sim<void>;
  /** Completes once every earlier write is durable (a cache flush / barrier). */
  flush(): Sim<void>;
}
