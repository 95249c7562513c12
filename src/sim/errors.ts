/**
 * Errors the engine raises about the simulation itself (as opposed to the
 * errno errors of the modelled kernels).
 */
import type { SimThread } from './thread.ts';

export class SimError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimError';
  }
}

/** Thrown into an interrupt handler that tries to block, sleep or yield. */
export class InterruptContextError extends SimError {
  constructor(what: string, handler: string) {
    super(`${what} in interrupt context (handler ${handler})`);
    this.name = 'InterruptContextError';
  }
}

/** Thrown into a thread by `Engine.kill`; its finally blocks run as it unwinds. */
export class ThreadKilled extends Error {
  constructor(readonly tid: number) {
    super(`thread ${tid} killed`);
    this.name = 'ThreadKilled';
  }
}

export interface BlockedThreadInfo {
  readonly tid: number;
  readonly name: string;
  readonly cpu: number;
  readonly waitingOn: string;
}

/** No event is left but some threads are still blocked: names every one. */
export class DeadlockError extends SimError {
  readonly blocked: readonly BlockedThreadInfo[];
  constructor(time: number, blocked: readonly BlockedThreadInfo[]) {
    const who = blocked.map((b) => `t${b.tid} "${b.name}" (cpu${b.cpu}) waits on ${b.waitingOn}`).join('; ');
    super(`deadlock at cycle ${time}: ${blocked.length} thread(s) blocked forever: ${who}`);
    this.name = 'DeadlockError';
    this.blocked = blocked;
  }
}

/** A thread's generator threw: the run stops and reports which thread. */
export class ThreadCrashError extends SimError {
  constructor(
    readonly thread: SimThread,
    override readonly cause: unknown,
  ) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    super(`thread t${thread.id} "${thread.name}" crashed: ${msg}`);
    this.name = 'ThreadCrashError';
  }
}
