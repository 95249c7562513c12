/**
 * Built-in demos. Each demo builds a simulation, runs it and returns a
 * readable report plus its trace; `modswap demo NAME` prints the report and
 * can write the trace for Perfetto. Later layers add their demos here.
 */
import type { ChromeTrace } from '../../sim/export-chrome.ts';

export interface DemoOptions {
  seed: number;
  cpus?: number | undefined;
  threads?: number | undefined;
}

export interface DemoResult {
  /** Human-readable timeline and summary. */
  text: string;
  /** Machine-readable summary for --json. */
  summary: Record<string, unknown>;
  trace: ChromeTrace;
  /** Whether the demo showed what it set out to show. */
  ok: boolean;
}

export interface Demo {
  name: string;
  summary: string;
  run(opts: DemoOptions): Promise<DemoResult> | DemoResult;
}

const demos: Demo[] = [];

export function registerDemo(d: Demo): void {
  if (demos.some((x) => x.name === d.name)) throw new Error(`demo ${d.name} registered twice`);
  demos.push(d);
}

export function listDemos(): readonly Demo[] {
  return demos;
}

export function findDemo(name: string): Demo | undefined {
  return demos.find((d) => d.name === name);
}
