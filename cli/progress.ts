import type { AuditProgress } from '../lambda/audit';

/** A writable stream as the CLI uses it. */
export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** A one-line progress counter on a terminal, rewritten in place. */
export function progressBar(stream: Output) {
  let last = '';
  return {
    update({ usersListed, usersScanned, listingDone }: AuditProgress) {
      const total = listingDone ? `${usersListed}` : `${usersListed}+`;
      const line = `\rScanning users: ${usersScanned}/${total}`;
      if (line !== last) stream.write(line);
      last = line;
    },
    done() {
      if (last !== '') stream.write('\n');
      last = '';
    },
  };
}
