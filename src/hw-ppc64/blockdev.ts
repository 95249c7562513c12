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
  /** Completes once every earlier write is durable (a cache flush / barrier). */
  flush(): Sim<void>;
}
