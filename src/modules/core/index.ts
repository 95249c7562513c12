/** src/modules/core: the module subsystem (see module.ts for how to define a module). */
export * from './module.ts';
export * from './hooks.ts';
export * from './snapshot.ts';
export * from './instances.ts';
export * from './loader.ts';
export * from './syscalls.ts';
export * from './procfs.ts';
