/**
 * Sparse byte storage: a map from chunk index to a fixed-size chunk, holes
 * (chunks never written) reading as zeros. The in-memory disk backend keeps
 * a disk's bytes this way (64 KiB chunks) and the page cache a file's data
 * (4 KiB pages); the copy loops that split a range at chunk boundaries are
 * here once. Host memory only: no modelled time.
 */
export type Chunks = Map<number, Uint8Array>;

/**
 * Split [pos, pos + len) at `size`-byte chunk boundaries: `fn(index, off, n,
 * done)` for each piece, chunk `index` from offset `off`, `n` bytes, `done`
 * bytes of the range before it.
 */
function forEachChunk(size: number, pos: number, len: number, fn: (index: number, off: number, n: number, done: number) => void): void {
  let done = 0;
  while (done < len) {
    const p = pos + done;
    const index = Math.floor(p / size);
    const off = p - index * size;
    const n = Math.min(size - off, len - done);
    fn(index, off, n, done);
    done += n;
  }
}

/**
 * Copy `len` bytes at `pos` into `dst` (from offset 0); holes give zeros.
 * `dstZeroed`: `dst` is all zeros already (a fresh array), so holes are
 * skipped: filling the holes of a whole 64 MiB disk took ~150 ms, copying
 * its written chunks ~15 ms.
 */
export function sparseRead(chunks: Chunks, size: number, pos: number, dst: Uint8Array, len = dst.length, dstZeroed = false): void {
  forEachChunk(size, pos, len, (index, off, n, done) => {
    const c = chunks.get(index);
    if (c) dst.set(off === 0 && n === size ? c : c.subarray(off, off + n), done);
    else if (!dstZeroed) dst.fill(0, done, done + n);
  });
}

/** Copy `src` to `pos`, allocating zeroed chunks as needed. */
export function sparseWrite(chunks: Chunks, size: number, pos: number, src: Uint8Array): void {
  forEachChunk(size, pos, src.length, (index, off, n, done) => {
    let c = chunks.get(index);
    if (!c) chunks.set(index, (c = new Uint8Array(size)));
    c.set(n === src.length ? src : src.subarray(done, done + n), off);
  });
}
