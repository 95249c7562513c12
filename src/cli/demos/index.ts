/** Loads every built-in demo (each file registers itself). */
import './sim-contention.ts';
import './k42-hotswap.ts';
import './k42-dynupdate.ts';
import './k42-fs-update.ts';

export { listDemos, findDemo } from './registry.ts';
/** The demo `npm run demo` runs: the best one there is. */
export const DEFAULT_DEMO = 'sim-contention';
