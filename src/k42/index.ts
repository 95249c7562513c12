/**
 * src/k42: the K42 reference core on the modelled PowerPC (docs/design.md, "The
 * K42 path"): object translation, clustered objects, generation counts,
 * deferred deletion, hot-swap mediators, factories and dynamic update.
 */
export * from './types.ts';
export * from './dttype.ts';
export * from './hw.ts';
export * from './trans-entry.ts';
export * from './ott.ts';
export * from './cobj.ts';
export * from './cobj-root-single-rep.ts';
export * from './cobj-root-multi-rep.ts';
export * from './active-thrd-cnt.ts';
export * from './deferred-deletion.ts';
export * from './mediated-thread-table.ts';
export * from './cobj-rep-mediator.ts';
export * from './cobj-root-mediator.ts';
export * from './cosmgr.ts';
export * from './factory.ts';
export * from './lazy-update.ts';
