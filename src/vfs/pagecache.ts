/**
 * `AddressSpace`: the pages of one file's data (Linux struct address_space,
 * reduced to a sparse map of 4 KiB pages). A memory file system (ramfs) keeps
 * its file contents only here, as Linux ramfs keeps them only in the page
 * cache. Holes (pages never written, or beyond a truncate) read as zeros.
 */
import { sparseRead, sparseWrite } from '../hw-ppc64/sparse.ts';

export const PAGE_SIZE = 4096;

export class AddressSpace {
  readonly pages = new Map<number, Uint8Array>();

  get nrpages(): number {
    return this.pages.size;
  }

  /** Copy `len` bytes at `pos` into `buf` (from offset 0); holes give zeros. */
  read(pos: number, buf: Uint8Array, len: number): void {
    sparseRead(this.pages, PAGE_SIZE, pos, buf, len);
  }

  /** Copy `data` to `pos`, allocating pages as needed. */
  write(pos: number, data: Uint8Array): void {
    sparseWrite(this.pages, PAGE_SIZE, pos, data);
  }

  /** Drop data at and beyond `size` (truncate_inode_pages + zeroing the partial page). */
  truncate(size: number): void {
    const first = Math.ceil(size / PAGE_SIZE);
    for (const index of [...this.pages.keys()]) if (index >= first) this.pages.delete(index);
    const off = size % PAGE_SIZE;
    if (off !== 0) this.pages.get(Math.floor(size / PAGE_SIZE))?.fill(0, off);
  }

  clear(): void {
    this.pages.clear();
  }
}
