import { type FileHandle, open, readFile } from 'node:fs/promises';
import {
  type ChangeEntry,
  ChangeRecordError,
  type ChangeRecorder,
  parseChangeEntry,
} from '../lambda/core/change-record';

/** A recorder that appends to a local file, one JSON line an entry, each flushed to disk before the change. */
export interface FileChangeRecorder extends ChangeRecorder {
  /** Closes the file (after the run). */
  close(): Promise<void>;
}

/**
 * The change record in a local file (`--change-record FILE`): JSON Lines, appended, each entry
 * synced to disk before the write returns, so a process killed right after still leaves it.
 * Readable by its owner only: it holds certificate bodies (public material, but no one else's
 * business).
 */
export function fileChangeRecorder(path: string): FileChangeRecorder {
  let handle: Promise<FileHandle> | undefined;
  // Writes are made one after another, so lines never interleave.
  let queue: Promise<void> = Promise.resolve();
  return {
    where: path,
    write(entry: ChangeEntry): Promise<void> {
      const next = queue.then(async () => {
        handle ??= open(path, 'a', 0o600);
        const file = await handle;
        await file.appendFile(`${JSON.stringify(entry)}\n`);
        await file.datasync();
      });
      queue = next.catch(() => undefined);
      return next;
    },
    async close(): Promise<void> {
      await queue;
      if (handle) await (await handle).close();
    },
  };
}

/** Every entry of a local record file; throws a ChangeRecordError naming the file and line of a bad one. */
export async function readChangeRecordFile(path: string): Promise<ChangeEntry[]> {
  const text = await readFile(path, 'utf8');
  const entries: ChangeEntry[] = [];
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const where = `${path}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // A last line cut short by a killed process is not an entry; any other bad line is refused.
      if (index === lines.length - 1) continue;
      throw new ChangeRecordError(`${where} is not a JSON line of a change record`);
    }
    entries.push(parseChangeEntry(value, where));
  }
  return entries;
}
