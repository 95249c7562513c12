/**
 * Demo `k42-hotswap`: one K42 clustered object hot-swapped under load
 * (Figure 1 of the seed paper). Request threads on every CPU call the
 * service through its CORef, some recursively and some waiting for I/O;
 * `switchCObj` replaces version 1 by version 2. The timeline shows the
 * mediator's phases (forward, block, transfer, completed) and the calls
 * forwarded to the old object, blocked, and resumed on the new one.
 */
import { Machine } from '../../hw-ppc64/index.ts';
import { sleep, toChromeTrace, toTextTimeline, type Sim } from '../../sim/index.ts';
import { COSMgr, type CORef, type SwitchResult } from '../../k42/index.ts';
import { ServiceRoot, type CallRecord, type ServiceRep } from './k42-objects.ts';
import { registerDemo, type DemoOptions, type DemoResult } from './registry.ts';

export function runK42Hotswap(opts: DemoOptions): DemoResult {
  const cpus = opts.cpus ?? 4;
  const clients = opts.threads ?? 3;
  const m = new Machine({ cpus, model: 'ppc970', seed: opts.seed, trace: true, perturb: { preemptProbability: 0.03, maxDelayCycles: 400 } });
  const e = m.engine;
  const cos = new COSMgr(m);
  const log: CallRecord[] = [];
  const v1 = new ServiceRoot(cos, 1, log, { name: 'svc' });
  const ref = v1.ref as CORef<ServiceRep>;
  let issued = 0;
  let completed = 0;
  const insideAtTransfer: number[] = [];
  let res: SwitchResult | null = null;
  for (let c = 0; c < cpus; c++) {
    for (let k = 0; k < clients; k++) {
      e.spawn(`client${c}.${k}`, function* (): Sim<void> {
        for (let i = 0; i < 10; i++) {
          yield* cos.atc.activate();
          const id = issued++;
          const svc = yield* cos.DREF(ref);
          yield* svc.serve(id, 800 + e.rng.int(1_500), i % 3 === 0 ? 20_000 : 0, (c + k + i) % 4 === 0 ? 2 : 0);
          completed++;
          yield* cos.atc.deactivate();
          yield* sleep(2_000 + e.rng.int(4_000));
        }
      }, { cpu: c });
    }
  }
  cos.spawnRequest('switcher', function* () {
    yield* sleep(30_000);
    const v2 = new ServiceRoot(cos, 2, log, { ref, name: 'svc' });
    res = yield* cos.switchCObj(ref, v2, 'destroyWhenDone', {
      onPhase(p) {
        if (p === 'transfer') insideAtTransfer.push(e.threadsInside('svc.v1').length);
      },
    });
  }, { cpu: 0 });
  m.run();
  const r = res as SwitchResult | null;
  const us = (c: number) => (c / e.cyclesPerUs).toFixed(1);
  const ids = new Set(log.map((x) => x.id));
  const exactlyOnce = completed === issued && log.length === issued && ids.size === issued;
  const quiescent = insideAtTransfer.length === 1 && insideAtTransfer[0] === 0;
  const phasesOk = r?.phases.map((p) => p.phase).join(',') === 'forward,block,transfer,completed';
  const ok = !!r?.ok && exactlyOnce && quiescent && phasesOk && v1.therep.freed;
  const lines: string[] = [];
  lines.push(`K42 hot-swap of one object under load: ${cpus} CPUs x ${clients} request threads, seed ${opts.seed}`);
  lines.push('');
  lines.push(`${'0.0'.padStart(9)} us  normal     every call: one load through this CPU's LTE, then svc v1`);
  for (const p of r?.phases ?? []) lines.push(`${us(p.t).padStart(9)} us  ${p.phase.padEnd(10)} ${PHASE_TEXT[p.phase]}`);
  lines.push('');
  lines.push('calls seen by the mediator (trace marks):');
  lines.push(
    toTextTimeline(e.trace!, { cyclesPerUs: e.cyclesPerUs, types: new Set(['mark', 'phase-begin']), maxLines: 40 }).replace(/^/gm, '  '),
  );
  lines.push(
    `summary: ${issued} calls, ${completed} completed exactly once: ${exactlyOnce}; ` +
      `forwarded ${r?.forwarded ?? 0} (recursive ${r?.recursionForwarded ?? 0}), blocked ${r?.blocked ?? 0}, ` +
      `longest stall ${us(r?.longestStall ?? 0)} us, swap ${us(r?.duration ?? 0)} us, ` +
      `threads in v1 at transfer: ${insideAtTransfer.join(',')}, v1 freed: ${v1.therep.freed}`,
  );
  return {
    text: lines.join('\n') + '\n',
    summary: {
      cpus,
      clientsPerCpu: clients,
      issued,
      completed,
      exactlyOnce,
      quiescentAtTransfer: quiescent,
      forwarded: r?.forwarded ?? 0,
      recursionForwarded: r?.recursionForwarded ?? 0,
      blocked: r?.blocked ?? 0,
      longestStallCycles: r?.longestStall ?? 0,
      swapCycles: r?.duration ?? -1,
      phases: r?.phases ?? [],
    },
    trace: toChromeTrace(e.trace!, { cyclesPerUs: e.cyclesPerUs, cpus, endTime: e.makespan, meta: { demo: 'k42-hotswap' } }),
    ok,
  };
}

const PHASE_TEXT: Record<string, string> = {
  forward: 'LTEs flushed; calls miss into per-CPU mediators and are forwarded to v1 (counted in flight)',
  block: 'every CPU passed two generations: new calls wait, recursive calls still forwarded',
  transfer: 'no call in flight: v1 exports its state, v2 imports it',
  completed: 'GTE points at v2; blocked calls resume on v2; v1 queued for deferred deletion',
};

registerDemo({
  name: 'k42-hotswap',
  summary: 'K42 switchCObj: one object hot-swapped under load (forward, block, transfer, completed)',
  run: runK42Hotswap,
});
