/**
 * Allocation bitmaps (one block per group for blocks, one for inodes): bit i
 * of byte i>>3, least-significant bit first, as ext2_set_bit does.
 */

export function testBit(map: Uint8Array, i: number): boolean {
  return (map[i >>> 3]! & (1 << (i & 7))) !== 0;
}

export function setBit(map: Uint8Array, i: number): void {
  map[i >>> 3] = map[i >>> 3]! | (1 << (i & 7));
}

export function clearBit(map: Uint8Array, i: number): void {
  map[i >>> 3] = map[i >>> 3]! & ~(1 << (i & 7));
}

/**
 * First clear bit in [start, limit), or -1. Skips whole 0xff bytes, so the
 * cost is proportional to the number of bytes examined; `scanned` (if given)
 * receives that count for cost accounting.
 */
export function findFirstZero(map: Uint8Array, start: number, limit: number, scanned?: { bytes: number }): number {
  let i = start;
  let bytes = 0;
  while (i < limit) {
    if ((i & 7) === 0 && i + 8 <= limit && map[i >>> 3] === 0xff) {
      i += 8;
      bytes++;
      continue;
    }
    if (!testBit(map, i)) {
      if (scanned) scanned.bytes += bytes + 1;
      return i;
    }
    i++;
    if ((i & 7) === 0) bytes++;
  }
  if (scanned) scanned.bytes += bytes + 1;
  return -1;
}

/** Count clear bits in [0, limit). */
export function countZeros(map: Uint8Array, limit: number): number {
  let n = 0;
  for (let i = 0; i < limit; i++) if (!testBit(map, i)) n++;
  return n;
}

/** Set every bit in [from, to) (padding past the end of the last group). */
export function setRange(map: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) setBit(map, i);
}
