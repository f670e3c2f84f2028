import type { SinkEntry } from '../lambda/sinks/registry';
import type { Output, ProgressClock } from './progress';

/** What the CLI talks to: its streams and environment, injected so tests need no process. */
export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT/SIGTERM: no new change starts, and the partial report is written. */
  readonly interrupt?: AbortSignal;
  /**
   * Registers what to say (and release) if a second Ctrl-C quits the process at once: the run
   * id, where its changes were recorded, how to undo or finish it. The last registration wins.
   */
  readonly atForcedExit?: (lastWords: () => string) => void;
  /** Client settings for tests (an endpoint, short timeouts); users set them through AWS's own sources. */
  readonly clientOverrides?: Readonly<Record<string, unknown>>;
  /** The sinks there are (a test adds one of its own); the registry's by default. */
  readonly sinkRegistry?: readonly SinkEntry[];
  /** The clock of the periodic progress line; the system's by default (a test steps its own). */
  readonly clock?: ProgressClock;
}
