import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import {
  type ChangeEntry,
  ChangeRecordError,
  type ChangeRecorder,
  parseChangeEntry,
} from '../lambda/core/change-record';

/**
 * The change record in a local file (`--change-record FILE`): JSON Lines, appended, each entry
 * synced to disk before the write returns, so a process killed right after it still leaves it.
 * Created readable by its owner only: it holds certificate bodies (public material, but no one
 * else's business). Each entry starts on a line of its own: when a process was killed in the
 * middle of a line, the next entry is written after a line break, never glued to the fragment.
 */
export function fileChangeRecorder(path: string): ChangeRecorder {
  // Writes are made one after another, so lines never interleave.
  let queue: Promise<void> = Promise.resolve();
  return {
    where: path,
    write(entry: ChangeEntry): Promise<void> {
      const next = queue.then(async () => {
        const file = await open(path, 'a+', 0o600);
        try {
          const { size } = await file.stat();
          let lead = '';
          if (size > 0) {
            const last = Buffer.alloc(1);
            await file.read(last, 0, 1, size - 1);
            if (last[0] !== 0x0a) lead = '\n';
          }
          await file.write(`${lead}${JSON.stringify(entry)}\n`);
          await file.datasync();
        } finally {
          await file.close();
        }
      });
      queue = next.catch(() => undefined);
      return next;
    },
  };
}

/** A local record as read: its whole entries, and the torn fragments passed over (where, and why). */
export interface ChangeRecordFile {
  readonly entries: ChangeEntry[];
  /** `FILE:LINE: …` for each fragment of a line a killed process left: not an entry, skipped. */
  readonly skipped: string[];
}

/**
 * Every whole entry of a local record file. A fragment of a line (a write cut short when a
 * process was killed) is passed over wherever it is, and named in `skipped`; an entry glued to
 * such a fragment by an older writer is recovered. A line that is JSON but not an entry throws a
 * ChangeRecordError naming the file and line: that is not a torn write.
 */
export async function readChangeRecordFile(path: string): Promise<ChangeRecordFile> {
  const text = await readFile(path, 'utf8');
  const entries: ChangeEntry[] = [];
  const skipped: string[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const where = `${path}:${index + 1}`;
    const value = parseJson(line);
    if (value !== undefined) {
      entries.push(parseChangeEntry(value, where));
      continue;
    }
    const glued = recoverGlued(line, where);
    skipped.push(
      `${where}: ${glued ? `${glued.at} characters of` : 'a'} torn line (a write cut short) skipped: not a whole entry${glued ? '; the entry after it was read' : ''}`,
    );
    if (glued) entries.push(glued.entry);
  }
  return { entries, skipped };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An entry written right after a fragment, on the same line (by a writer that did not start a new line). */
function recoverGlued(line: string, where: string): { at: number; entry: ChangeEntry } | undefined {
  for (let at = line.indexOf('{', 1); at > 0; at = line.indexOf('{', at + 1)) {
    const value = parseJson(line.slice(at));
    if (value === undefined || typeof value !== 'object') continue;
    try {
      return { at, entry: parseChangeEntry(value, where) };
    } catch {
      // Not an entry: a fragment's own nested object; keep looking.
    }
  }
  return undefined;
}

/** Another process holds the record's lock. */
export class RecordLockedError extends ChangeRecordError {
  override readonly name = 'RecordLockedError';
}

/** What a lock file holds: who took it, for the message of whoever finds it taken. */
interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly runId: string;
  readonly since: string;
}

/**
 * Takes the record's lock: a file beside it (`FILE.lock`), created only if absent (O_EXCL), so
 * two restores from one record never both upload the same body. A lock left by a process of
 * this host that no longer runs is taken over (and said so); any other is refused, naming its
 * holder and how to remove it. Returns the release, synchronous so an exit handler can call it.
 */
export function lockRecordFile(
  path: string,
  runId: string,
  say: (line: string) => void,
): () => void {
  const lock = `${path}.lock`;
  const mine: LockHolder = {
    pid: process.pid,
    host: hostname(),
    runId,
    since: new Date().toISOString(),
  };
  for (let attempt = 0; ; attempt += 1) {
    try {
      writeFileSync(lock, `${JSON.stringify(mine)}\n`, { flag: 'wx', mode: 0o600 });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          unlinkSync(lock);
        } catch {
          // Removed by hand meanwhile: nothing to release.
        }
      };
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(lock);
    if (
      attempt === 0 &&
      holder !== undefined &&
      holder.host === mine.host &&
      !running(holder.pid)
    ) {
      say(
        `signing-cert-audit restore: ${lock} was left by restore ${holder.runId} (process ${holder.pid}, since ${holder.since}), which no longer runs: taking it over`,
      );
      unlinkSync(lock);
      continue;
    }
    const who = holder
      ? `restore ${holder.runId} (process ${holder.pid} on ${holder.host}, since ${holder.since})`
      : 'another process';
    throw new RecordLockedError(
      `${path} is locked by ${who}: two restores from one record could each upload the same certificate. Wait for it to finish; if no restore is running, remove ${lock}`,
    );
  }
}

function readHolder(lock: string): LockHolder | undefined {
  try {
    const value = JSON.parse(readFileSync(lock, 'utf8')) as Partial<LockHolder>;
    if (typeof value.pid !== 'number' || typeof value.host !== 'string') return undefined;
    return {
      pid: value.pid,
      host: value.host,
      runId: String(value.runId ?? 'unknown'),
      since: String(value.since ?? 'unknown'),
    };
  } catch {
    return undefined;
  }
}

/** Whether a process of this host runs (signal 0 checks without signalling). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
