/**
 * Scenario files on disk: reading one (JSON, or YAML for .yaml/.yml) and
 * finding the built-in ones in the package's scenarios/ folder, which is
 * what `modswap demo NAME` runs: a demo is the scenario scenarios/NAME.*,
 * so a demo and a scenario are one definition with one runner and one
 * report.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installPath } from '../paths.ts';
import { parseScenario, type Scenario } from '../../system/scenario.ts';

export const SCENARIO_EXTENSIONS = ['.json', '.yaml', '.yml'] as const;

/** The built-in scenarios folder. */
export function scenariosDir(): string {
  return installPath('scenarios');
}

/** Reads and validates one scenario file (throws ScenarioError, or the fs error for an unreadable file). */
export function loadScenario(file: string): Scenario {
  return parseScenario(readFileSync(file, 'utf8'), file);
}

export interface BuiltinScenario {
  name: string;
  file: string;
}

/** The built-in scenarios (scenarios/NAME.json|yaml|yml), by name. */
export function builtinScenarios(): BuiltinScenario[] {
  const dir = scenariosDir();
  const out: BuiltinScenario[] = [];
  for (const f of readdirSync(dir).sort()) {
    const ext = SCENARIO_EXTENSIONS.find((e) => f.endsWith(e));
    if (ext) out.push({ name: f.slice(0, -ext.length), file: join(dir, f) });
  }
  return out;
}

export function findBuiltinScenario(name: string): BuiltinScenario | undefined {
  return builtinScenarios().find((s) => s.name === name);
}
