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
   * As `write` of the `segments` laid back to back from `offset` (a bio's
   * vector of pages), but the device may keep them until the write
   * completes instead of copying them at submission: what reaches the
   * medium is their contents at completion. For buffers the caller hands
   * over (a fresh encoding, a frozen journal image), or cached blocks that
   * are marked dirty again if they change meanwhile (pages under writeback
   * without stable pages, as Linux's buffer heads). Optional: callers go
   * through `writeSegments`, which gathers them for a device without it.
   */
  writeNoCopy?(offset: number, segments: readonly Uint8Array[]): Sim<void>;
  /** Completes once every earlier write is durable (a cache flush / barrier). */
  flush(): Sim<void>;
}

/**
 * Write `segments` back to back from `offset` as one request: without a copy
 * where the device takes them as they are (`writeNoCopy`), else as one
 * gathered buffer through `write`. The caller's contract is writeNoCopy's.
 */
export function* writeSegments(dev: BlockDevice, offset: number, segments: readonly Uint8Array[]): Sim<void> {
  if (dev.writeNoCopy) return yield* dev.writeNoCopy(offset, segments);
  yield* dev.write(offset, gather(segments));
}

/** Segments laid back to back in one new buffer (one segment is returned as it is). */
function gather(segments: readonly Uint8Array[]): Uint8Array {
  if (segments.length === 1) return segments[0]!;
  let n = 0;
  for (const s of segments) n += s.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const s of segments) {
    out.set(s, at);
    at += s.length;
  }
  return out;
}
