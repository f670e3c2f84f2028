import { appendFile, open, readFile } from 'node:fs/promises';
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
 * else's business).
 */
export function fileChangeRecorder(path: string): ChangeRecorder {
  // Writes are made one after another, so lines never interleave.
  let queue: Promise<void> = Promise.resolve();
  return {
    where: path,
    write(entry: ChangeEntry): Promise<void> {
      const next = queue.then(async () => {
        await appendFile(path, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
        const file = await open(path, 'r');
        try {
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
