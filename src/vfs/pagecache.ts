/**
 * `AddressSpace`: the pages of one file's data (Linux struct address_space,
 * reduced to a sparse map of 4 KiB pages). A memory file system (ramfs) keeps
 * its file contents only here, as Linux ramfs keeps them only in the page
 * cache. Holes (pages never written, or beyond a truncate) read as zeros.
 */
export const PAGE_SIZE = 4096;

export class AddressSpace {
  readonly pages = new Map<number, Uint8Array>();

  get nrpages(): number {
    return this.pages.size;
  }

  /** Copy `len` bytes at `pos` into `buf` (from offset 0); holes give zeros. */
  read(pos: number, buf: Uint8Array, len: number): void {
    let done = 0;
    while (done < len) {
      const p = pos + done;
      const index = Math.floor(p / PAGE_SIZE);
      const off = p - index * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, len - done);
      const page = this.pages.get(index);
      if (page) buf.set(off === 0 && n === PAGE_SIZE ? page : page.subarray(off, off + n), done);
      else buf.fill(0, done, done + n);
      done += n;
    }
  }

  /** Copy `data` to `pos`, allocating pages as needed. */
  write(pos: number, data: Uint8Array): void {
    const len = data.length;
    let done = 0;
    while (done < len) {
      const p = pos + done;
      const index = Math.floor(p / PAGE_SIZE);
      const off = p - index * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, len - done);
      let page = this.pages.get(index);
      if (!page) this.pages.set(index, (page = new Uint8Array(PAGE_SIZE)));
      page.set(n === len ? data : data.subarray(done, done + n), off);
      done += n;
    }
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
