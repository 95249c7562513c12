/** Loads every built-in demo (each file registers itself). */
import './sim-contention.ts';
import './k42-hotswap.ts';
import './k42-dynupdate.ts';
import './k42-fs-update.ts';
import './ext3-demos.ts';

export { listDemos, findDemo } from './registry.ts';
/** The demo `npm run demo` runs: the best one there is. */
export const DEFAULT_DEMO = 'ext3-bugfix';
