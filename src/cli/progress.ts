/**
 * A progress bar on standard error, drawn only when it is a terminal: a
 * pipe, a file or a test gets nothing, so output stays byte-identical
 * between runs and machine-readable (--json goes to stdout regardless).
 *
 * The bar counts steps the caller defines (scenario files run, phases of
 * one run); it never reads a clock, so it cannot make a run depend on time.
 */
export interface ProgressSink {
  /** Whether the sink is a terminal (process.stderr.isTTY). */
  readonly isTTY: boolean;
  write(text: string): void;
  /** Terminal width in columns (default 80). */
  readonly columns?: number | undefined;
}

export interface Progress {
  /** Step `done` of `total` finished; `label` says what runs next or just ran. */
  update(done: number, label?: string): void;
  /** Erase the bar (call before printing results). */
  finish(): void;
}

const SILENT: Progress = { update() {}, finish() {} };

export function stderrSink(): ProgressSink {
  return { isTTY: process.stderr.isTTY === true, write: (t) => void process.stderr.write(t), columns: process.stderr.columns };
}

export function createProgress(total: number, sink: ProgressSink = stderrSink()): Progress {
  if (!sink.isTTY || total <= 0) return SILENT;
  const cols = Math.max(40, sink.columns ?? 80);
  let shown = false;
  return {
    update(done, label = '') {
      const barW = 24;
      const filled = Math.round((Math.min(done, total) / total) * barW);
      const head = `[${'#'.repeat(filled)}${'.'.repeat(barW - filled)}] ${done}/${total} `;
      const text = (head + label).slice(0, cols - 1);
      sink.write(`\r${text.padEnd(cols - 1)}`);
      shown = true;
    },
    finish() {
      if (shown) sink.write(`\r${' '.repeat(cols - 1)}\r`);
      shown = false;
    },
  };
}
