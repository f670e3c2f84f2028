import { closeSync, openSync, readlinkSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseChangeEntry } from '../lambda/core/change-record';

/**
 * What names a file, however it is spelled: an existing file by its device and inode (so a
 * symbolic or hard link to it is the same file), one still to be created by the real path of
 * where it would be (a dangling symbolic link by the file it would create).
 */
export function fileIdentity(path: string): string {
  try {
    const { dev, ino } = statSync(path);
    return `inode:${dev}:${ino}`;
  } catch {
    // Not there yet: follow a dangling link to what writing it would create.
  }
  let target = resolve(path);
  for (let hops = 0; hops < 40; hops += 1) {
    let link: string;
    try {
      link = readlinkSync(target);
    } catch {
      break;
    }
    target = resolve(dirname(target), link);
  }
  try {
    return `path:${join(realpathSync(dirname(target)), basename(target))}`;
  } catch {
    return `path:${target}`;
  }
}

/**
 * The first two of `paths` (flag and value) that name the same file, or undefined. One command
 * never writes two things to one file: its report over its change record would destroy the only
 * copy of a deleted certificate's body.
 */
export function sameFile(
  paths: readonly (readonly [flag: string, path: string | undefined])[],
): readonly [string, string] | undefined {
  const seen = new Map<string, string>();
  for (const [flag, path] of paths) {
    if (path === undefined) continue;
    const identity = fileIdentity(path);
    const earlier = seen.get(identity);
    if (earlier !== undefined) return [earlier, flag];
    seen.set(identity, flag);
  }
  return undefined;
}

/**
 * Whether an existing file holds a change record (its first line is an entry): a report written
 * over it would destroy the record, so `--output` never names one.
 */
export function holdsChangeRecord(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(64 * 1024);
    const read = readSync(fd, head, 0, head.length, 0);
    const firstLine = head.subarray(0, read).toString('utf8').split('\n')[0] ?? '';
    parseChangeEntry(JSON.parse(firstLine), path);
    return true;
  } catch {
    // Not JSON, or not an entry: not a record.
    return false;
  } finally {
    closeSync(fd);
  }
}

/**
 * A word a POSIX shell reads back as `text`: as it is when it holds only characters no shell
 * treats specially, otherwise in single quotes (a quote inside closed, escaped and reopened).
 * An undo command printed with it can be pasted as it is.
 */
export function shellQuote(text: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
