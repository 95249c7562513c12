/**
 * Loads every programmatic demo (each file registers itself). These are the
 * demos a scenario file cannot express as a workload: K42 clustered
 * objects built for the purpose (k42-hotswap, k42-dynupdate) and the engine
 * on its own (sim-contention). Each is still run through its scenario
 * (scenarios/NAME.json names it in `demo`), so `modswap demo NAME` and
 * `modswap run` treat every demo alike.
 */
import './sim-contention.ts';
import './k42-hotswap.ts';
import './k42-dynupdate.ts';

export { listDemos, findDemo } from './registry.ts';
