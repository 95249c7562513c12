/** src/shell: the `modswap shell` interpreter (see session.ts and table.ts), a user-space program on a booted system. */
export * from './parse.ts';
export * from './session.ts';
export * from './table.ts';
export { PACKAGES_KEY } from './update-cmds.ts';
// last: `help` lists every command registered before it
export { shellCommandList } from './builtins.ts';
