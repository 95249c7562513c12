import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isErrno } from '../../src/uapi/errno.ts';
import { InterruptContextError } from '../../src/sim/errors.ts';
import { HostFileBackend, MemoryBackend, type Disk, type DiskCompletion, type Machine } from '../../src/hw-ppc64/index.ts';
import { machine } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'modswap-disk-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** Run `body` in a thread on CPU `cpu`; return what it returned or threw. */
function inThread<T>(m: Machine, body: () => Generator<unknown, T, unknown>, cpu = 0): { value?: T; error?: unknown } {
  const out: { value?: T; error?: unknown } = {};
  m.spawn('io', function* () {
    try {
      out.value = yield* (body() as Generator<never, T, unknown>);
    } catch (e) {
      out.error = e;
    }
  }, { cpu });
  m.run();
  return out;
}

describe('disks', () => {
  it('a request completes by interrupt on the submitting CPU after the modelled latency', () => {
    const m = machine(2, { trace: true });
    const irqs: { cpu: number; inIrq: boolean; at: number; op: string }[] = [];
    const d = m.addDisk({
      name: 'vda',
      sizeBytes: 1 << 20,
      overheadUs: 50,
      bytesPerUs: 512,
      *onComplete(c: DiskCompletion) {
        irqs.push({ cpu: m.engine.currentCpu, inIrq: m.engine.inInterrupt, at: m.engine.now, op: c.op });
      },
    });
    let submitted = -1;
    let returned = -1;
    m.spawn('reader', function* () {
      submitted = m.engine.now;
      yield* d.read(4096, 4096);
      returned = m.engine.now;
    }, { cpu: 1 });
    m.run();
    const service = d.serviceCycles(4096);
    expect(service).toBe(50 * 2000 + 8 * 2000); // 50 us + 4096 B at 512 B/us, 2000 cycles/us
    const c = m.costs;
    expect(irqs).toEqual([{ cpu: 1, inIrq: true, at: submitted + c.diskSubmit + service + c.irqEntry + c.diskIrq, op: 'read' }]);
    expect(returned).toBeGreaterThanOrEqual(submitted + c.diskSubmit + service);
    const io = m.engine.trace!.events.filter((e) => e.type === 'io');
    expect(io).toEqual([{ t: submitted + c.diskSubmit, type: 'io', dev: 'vda', op: 'read', offset: 4096, length: 4096, end: submitted + c.diskSubmit + service, tid: 1 }]);
    const blocks = m.engine.trace!.events.filter((e) => e.type === 'block');
    expect(blocks.length).toBe(1);
  });

  it('queues requests FIFO on the device', () => {
    const m = machine(2);
    const d = m.addDisk({ name: 'vda', sizeBytes: 1 << 20 });
    const done: number[] = [];
    for (const cpu of [0, 1]) {
      m.spawn(`w${cpu}`, function* () {
        yield* d.write(cpu * 512, bytes(512, cpu));
        done[cpu] = m.engine.now;
      }, { cpu });
    }
    m.run();
    expect(Math.abs(done[1]! - done[0]!)).toBeGreaterThanOrEqual(d.serviceCycles(512));
  });

  it('the memory backend round-trips data, sparse, zeros where never written', () => {
    const m = machine(1);
    const d = m.addDisk({ name: 'mem', sizeBytes: 1 << 30 });
    const data = bytes(8192, 7);
    const r = inThread(m, function* () {
      yield* d.write(512 * 1000, data);
      const back = yield* d.read(512 * 1000, 8192);
      const zeros = yield* d.read(1 << 29, 1024);
      yield* d.flush();
      return { back, zeros };
    });
    expect(r.error).toBeUndefined();
    expect(r.value!.back).toEqual(data);
    expect(r.value!.zeros).toEqual(new Uint8Array(1024));
    expect(d.stats).toMatchObject({ reads: 2, writes: 1, flushes: 1, bytesRead: 8192 + 1024, bytesWritten: 8192 });
  });

  it('disks made from one image template share it until they write: copy on write, the template unchanged', () => {
    const image = new Uint8Array(4 * 65536);
    image.set(bytes(1000, 3), 65536 + 10); // chunk 1 only; chunks 0, 2 and 3 are zeros
    const t = MemoryBackend.template(image);
    expect([...t.chunks.keys()]).toEqual([1]);
    image.fill(9); // the template holds a copy
    const a = MemoryBackend.fromTemplate(t);
    const b = MemoryBackend.fromTemplate(t);
    // a write that spans chunks 1 and 2 copies chunk 1 for `a` only
    a.write(2 * 65536 - 4, bytes(8, 1));
    const read = (d: MemoryBackend, off: number, n: number): Uint8Array => {
      const out = new Uint8Array(n);
      d.read(off, out);
      return out;
    };
    expect(read(a, 2 * 65536 - 4, 8)).toEqual(bytes(8, 1));
    expect(read(b, 2 * 65536 - 4, 8)).toEqual(new Uint8Array(8));
    expect(read(b, 65536 + 10, 1000)).toEqual(bytes(1000, 3));
    expect(read(a, 65536 + 10, 1000)).toEqual(bytes(1000, 3));
    expect(t.chunks.get(1)!.subarray(65536 - 4)).toEqual(new Uint8Array(4));
    expect(MemoryBackend.fromTemplate(t).extents().map(([off]) => off)).toEqual([65536]);
    expect(a.extents().map(([off]) => off)).toEqual([65536, 2 * 65536]);
  });

  it('the host-file backend round-trips data through an image file', () => {
    const path = join(tmp, 'disk.img');
    const m = machine(1);
    const d = m.addDisk({ name: 'img', backend: HostFileBackend.open(path, { create: true, sizeBytes: 1 << 20 }) });
    expect(d.sizeBytes).toBe(1 << 20);
    const data = bytes(4096, 3);
    const r = inThread(m, function* () {
      yield* d.write(8192, data);
      return yield* d.read(8192, 4096);
    });
    expect(r.value).toEqual(data);
    d.close();
    expect(new Uint8Array(readFileSync(path)).subarray(8192, 8192 + 4096)).toEqual(data);
    // reopen an existing image: its size comes from the file, readSync for setup
    const m2 = machine(1);
    const d2 = m2.addDisk({ name: 'img2', backend: HostFileBackend.open(path) });
    expect(d2.sizeBytes).toBe(1 << 20);
    expect(d2.readSync(8192, 4096)).toEqual(data);
    d2.writeSync(0, bytes(512, 9));
    d2.close();
    expect(new Uint8Array(readFileSync(path)).subarray(0, 512)).toEqual(bytes(512, 9));
  });

  it('writeNoCopy writes its segments back to back as one request, with their contents at completion', () => {
    for (const backend of ['memory', 'host'] as const) {
      const m = machine(1);
      const d =
        backend === 'memory'
          ? m.addDisk({ name: 'mem', sizeBytes: 1 << 20 })
          : m.addDisk({ name: 'img', backend: HostFileBackend.open(join(tmp, 'segs.img'), { create: true, sizeBytes: 1 << 20 }) });
      const segs = [bytes(4096, 1), bytes(512, 2), bytes(8192, 3)];
      const late = bytes(512, 4);
      const r = inThread(m, function* () {
        const w = d.writeNoCopy(4096, segs);
        // Submit the request, then change a segment before it completes:
        // the device did not copy it, so the newer bytes reach the medium.
        w.next();
        segs[1]!.set(late);
        for (let s = w.next(); !s.done; s = w.next(yield s.value as never));
        return yield* d.read(4096, 4096 + 512 + 8192);
      });
      expect(r.error).toBeUndefined();
      expect(r.value).toEqual(new Uint8Array([...bytes(4096, 1), ...late, ...bytes(8192, 3)]));
      expect(d.stats.writes).toBe(1);
      d.close();
    }
  });

  it('a read-only host image refuses writes with EROFS', () => {
    const path = join(tmp, 'ro.img');
    writeFileSync(path, new Uint8Array(4096));
    const m = machine(1);
    const d = m.addDisk({ name: 'ro', backend: HostFileBackend.open(path, { readOnly: true }), readOnly: true });
    const r = inThread(m, () => d.write(0, bytes(512, 1)));
    expect(isErrno(r.error, 'EROFS')).toBe(true);
    d.close();
  });

  it('injected EIO fails the next N reads and writes, after the latency', () => {
    const m = machine(1);
    const d = m.addDisk({ name: 'vda', sizeBytes: 1 << 20 });
    d.writeSync(0, bytes(512, 1));
    d.failNextReads(2);
    d.failNextWrites(1);
    const results: string[] = [];
    let failedAfter = 0;
    inThread(m, function* () {
      for (let i = 0; i < 3; i++) {
        const t0 = m.engine.now;
        try {
          yield* d.read(0, 512);
          results.push('read ok');
        } catch (e) {
          results.push(isErrno(e, 'EIO') ? 'read EIO' : String(e));
          failedAfter = m.engine.now - t0;
        }
      }
      try {
        yield* d.write(0, bytes(512, 2));
        results.push('write ok');
      } catch (e) {
        results.push(isErrno(e, 'EIO') ? 'write EIO' : String(e));
      }
    });
    expect(results).toEqual(['read EIO', 'read EIO', 'read ok', 'write EIO']);
    expect(failedAfter).toBeGreaterThanOrEqual(d.serviceCycles(512));
    expect(d.readSync(0, 512)).toEqual(bytes(512, 1)); // the failed write did not land
    expect(d.stats.errors).toBe(3);
  });

  it('a power cut silently drops every write after the Nth', () => {
    const m = machine(1);
    const d = m.addDisk({ name: 'vda', sizeBytes: 1 << 20 });
    d.powerCutAfter(2);
    const r = inThread(m, function* () {
      for (let i = 0; i < 5; i++) yield* d.write(i * 512, bytes(512, 10 + i));
      return yield* d.read(0, 5 * 512); // reads still see the medium
    });
    expect(r.error).toBeUndefined();
    for (let i = 0; i < 5; i++) {
      const want = i < 2 ? bytes(512, 10 + i) : new Uint8Array(512);
      expect(d.readSync(i * 512, 512)).toEqual(want);
    }
    expect(d.stats.droppedWrites).toBe(3);
    d.restorePower();
    inThread(m, () => d.write(4 * 512, bytes(512, 99)));
    expect(d.readSync(4 * 512, 512)).toEqual(bytes(512, 99));
  });

  it('validates requests: EINVAL for partial sectors, EIO past the end, EROFS when read-only', () => {
    const m = machine(1);
    const d: Disk = m.addDisk({ name: 'vda', sizeBytes: 4096 });
    const codeOf = (g: () => Generator<unknown, unknown, unknown>): string | undefined => {
      const r = inThread(m, g as () => Generator<never, unknown, unknown>);
      return isErrno(r.error) ? r.error.code : r.error === undefined ? undefined : String(r.error);
    };
    expect(codeOf(() => d.read(100, 512))).toBe('EINVAL');
    expect(codeOf(() => d.read(0, 100))).toBe('EINVAL');
    expect(codeOf(() => d.read(-512, 512))).toBe('EINVAL');
    expect(codeOf(() => d.read(4096, 512))).toBe('EIO');
    expect(codeOf(() => d.write(3584, new Uint8Array(1024)))).toBe('EIO');
    d.setReadOnly(true);
    expect(codeOf(() => d.write(0, new Uint8Array(512)))).toBe('EROFS');
    expect(codeOf(() => d.read(0, 512))).toBeUndefined();
    expect(() => d.readSync(0, 5120)).toThrow(/beyond end of device/);
  });

  it('a request outside any thread or in interrupt context fails clearly', () => {
    const m = machine(1);
    const d = m.addDisk({ name: 'vda', sizeBytes: 4096 });
    expect(() => d.read(0, 512).next()).toThrow(/outside a simulated thread \(setup code uses readSync\/writeSync\)/);
    let err: unknown;
    m.spawn('t', function* () {
      yield* m.sendIpi(0, 'irq-reader', function* () {
        try {
          yield* d.read(0, 512);
        } catch (e) {
          err = e;
        }
      });
    });
    m.run();
    expect(err).toBeInstanceOf(InterruptContextError);
  });

  it('rejects bad disk configurations', () => {
    const m = machine(1);
    expect(() => m.addDisk({ name: 'x' })).toThrow(/give sizeBytes/);
    expect(() => m.addDisk({ name: 'x', sizeBytes: 1000 })).toThrow(/multiple of 512/);
    expect(() => m.addDisk({ name: 'x', sizeBytes: 4096, sectorSize: 500 })).toThrow(/power of two/);
    m.addDisk({ name: 'x', sizeBytes: 4096 });
    expect(() => m.addDisk({ name: 'x', sizeBytes: 4096 })).toThrow(/exists/);
  });
});
