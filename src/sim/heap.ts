/**
 * The engine's event queue: a binary min-heap ordered by (time, seq).
 *
 * `seq` is a monotonic counter assigned at push, so two events at the same
 * simulated time always fire in the order they were scheduled; nothing is left
 * to the sort. Cancelled events stay in the heap and are skipped on pop (lazy
 * deletion keeps cancel O(1)).
 */
export interface SimEvent {
  time: number;
  seq: number;
  cancelled: boolean;
  /** Set while the event sits in the heap. */
  queued: boolean;
  fire(): void;
}

export class EventHeap {
  private items: SimEvent[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.items.length;
  }

  push(ev: SimEvent, time: number): void {
    ev.time = time;
    ev.seq = this.nextSeq++;
    ev.cancelled = false;
    ev.queued = true;
    const a = this.items;
    let i = a.length;
    a.push(ev);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = a[p]!;
      if (pe.time < time || (pe.time === time && pe.seq < ev.seq)) break;
      a[i] = pe;
      i = p;
    }
    a[i] = ev;
  }

  /** Time of the earliest live event, or +Infinity. */
  peekTime(): number {
    const a = this.items;
    while (a.length > 0 && a[0]!.cancelled) this.popRaw();
    return a.length > 0 ? a[0]!.time : Infinity;
  }

  /** Remove and return the earliest live event. */
  pop(): SimEvent | undefined {
    const a = this.items;
    while (a.length > 0) {
      const ev = this.popRaw();
      if (!ev.cancelled) return ev;
    }
    return undefined;
  }

  private popRaw(): SimEvent {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    top.queued = false;
    if (a.length > 0) {
      const n = a.length;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        let ce = a[l]!;
        if (r < n) {
          const re = a[r]!;
          if (re.time < ce.time || (re.time === ce.time && re.seq < ce.seq)) {
            c = r;
            ce = re;
          }
        }
        if (last.time < ce.time || (last.time === ce.time && last.seq < ce.seq)) break;
        a[i] = ce;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }

  /** Number of live (not cancelled) events; O(n), for reports only. */
  liveCount(): number {
    let n = 0;
    for (const e of this.items) if (!e.cancelled) n++;
    return n;
  }
}
