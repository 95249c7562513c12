/** src/sim: the deterministic discrete-event engine (see docs/design.md). */
export * from './effects.ts';
export * from './engine.ts';
export * from './errors.ts';
export * from './heap.ts';
export * from './locks.ts';
export * from './rwsem.ts';
export * from './prng.ts';
export * from './thread.ts';
export * from './trace.ts';
export * from './waitqueue.ts';
export * from './softirq.ts';
export * from './text.ts';
export * from './export-chrome.ts';
export * from './export-text.ts';
