/**
 * src/hw-ppc64: the modelled PowerPC multiprocessor (docs/design.md, "The machine").
 *
 * Start from `new Machine({ cpus, model })`; see machine.ts for the fidelity
 * boundary and costs.ts for the cost tables and their sources.
 */
export * from './atomics.ts';
export * from './blockdev.ts';
export * from './coherence.ts';
export * from './config.ts';
export * from './costs.ts';
export * from './cpu-ops.ts';
export * from './disk.ts';
export * from './disk-backend.ts';
export * from './ipi.ts';
export * from './machine.ts';
export * from './memory.ts';
export * from './translate.ts';
