import { CREDENTIAL_TYPES, type CredentialType } from './credential';
import { ConfigError } from './errors';
import { ACCOUNT_ID, USER_ARN, USER_NAME } from './patterns';
import { calendarDay, DAY_MS, MAX_DAYS } from './time';

/**
 * Exemptions kept as reviewed code: a file (YAML or JSON) in version control whose entries each
 * exempt one user's credentials (or one credential, or one kind) from the age policy until a
 * day, saying why, who approved it and, optionally, under which ticket. Refused where it enters
 * (the command line exits 2, a synth fails, a function's cold start fails), naming each bad
 * entry; an entry past its day exempts nothing and is reported; an entry that matched no
 * credential of a whole account's full scan is reported as stale.
 *
 * The form:
 * ```yaml
 * exemptions:
 *   - user: build-bot               # a user name, or a user ARN (its account and path then count)
 *     account: '123456789012'       # optional: only in this account
 *     credentialId: ASCAEXAMPLE...  # optional: only this credential
 *     kind: signing-certificate     # optional: only this kind of credential
 *     reason: vendor appliance cannot rotate until its firmware update
 *     approvedBy: security@example.com
 *     ticket: SEC-1234              # optional
 *     expires: 2027-03-31           # the last day it holds (UTC)
 * ```
 */

/** The keys an entry may have; any other is refused (a typo must not pass unread). */
export const EXEMPTION_KEYS = [
  'user',
  'account',
  'credentialId',
  'kind',
  'reason',
  'approvedBy',
  'ticket',
  'expires',
] as const;

/** The most entries a file may hold. */
export const MAX_EXEMPTIONS = 10_000;
/** The longest reason, approver and ticket kept: they travel into Security Hub's 1,024-character description. */
const MAX_TEXT = { reason: 512, approvedBy: 128, ticket: 128 } as const;
/**
 * IAM's ids of credentials: the IAM API Reference allows upper or lower case letters and digits
 * (`[\w]+`) in a CertificateId, an SSHPublicKeyId and a ServiceSpecificCredentialId.
 */
const CREDENTIAL_ID = /^\w{16,128}$/;

/** One exemption as the file (or the constructs' `exemptions` prop) writes it. */
export interface ExemptionEntry {
  /** The user: its name, or its ARN (only that account's user of that path). */
  readonly user: string;
  /** Only in this account (12 digits). @default - every account the entry's user is in */
  readonly account?: string;
  /** Only this credential (IAM's id). @default - every credential of the user */
  readonly credentialId?: string;
  /** Only this kind of credential. @default - every kind */
  readonly kind?: CredentialType;
  /** Why the exemption is granted. */
  readonly reason: string;
  /** Who approved it. */
  readonly approvedBy: string;
  /** The ticket or change that records it. @default - none */
  readonly ticket?: string;
  /** The last day it holds, `YYYY-MM-DD` (UTC), within `maxExemptionDays` when that is set. */
  readonly expires: string;
}

/** One exemption as checked: where it is in the file, and whom it matches. */
export interface Exemption extends ExemptionEntry {
  /** Its position in the file, from 1: how every message and report names it. */
  readonly entry: number;
  /** The user's name (an ARN's last part). */
  readonly userName: string;
  /** Set when `user` is an ARN: only the user of that ARN (account and path) matches. */
  readonly userArn?: string;
}

/** The exemptions of a file, checked, and where they came from (for messages). */
export interface ExemptionList {
  readonly source: string;
  readonly entries: readonly Exemption[];
}

/** What a finding an entry exempts carries into every output: the entry and what it says. */
export interface FindingExemption {
  readonly entry: number;
  readonly reason: string;
  readonly approvedBy: string;
  readonly ticket: string | null;
  /** The last day it holds, `YYYY-MM-DD` (UTC). */
  readonly expires: string;
}

/** An entry as the report names it: expired, or stale. */
export interface ExemptionNote extends FindingExemption {
  readonly user: string;
  readonly credentialId: string | null;
  readonly kind: CredentialType | null;
}

/**
 * What the report says of the exemptions file (an addition to the report; absent without one):
 * how many of its entries apply to this account, how many findings they exempted, which have
 * expired, and which matched no credential (null when the run cannot tell: it was not a
 * complete full scan of the whole account). Each list names at most {@link MAX_NOTES} entries,
 * in file order; its count is the whole number.
 */
export interface ExemptionsSummary {
  readonly entries: number;
  readonly exempted: number;
  readonly expiredCount: number;
  readonly expired: readonly ExemptionNote[];
  readonly staleCount: number | null;
  readonly stale: readonly ExemptionNote[] | null;
}

/** The most entries each of the report's lists names, so a report's envelope stays small. */
export const MAX_NOTES = 50;

/** What the checks of the file are made against. */
export interface ExemptionCheckOptions {
  /** What the file is called in messages: its path. */
  readonly source: string;
  readonly now: Date;
  /** The policy's `maxExemptionDays`: no entry may end later than this many days from now. */
  readonly maxExemptionDays?: number | undefined;
}

/**
 * Checks a parsed exemptions file: `{ exemptions: [...] }`. Every bad entry is named (its
 * position and user) with what is wrong and what is allowed, all at once, in one ConfigError.
 * An entry already past its day is not refused (time passes; it is reported as expired).
 */
export function checkExemptions(value: unknown, options: ExemptionCheckOptions): ExemptionList {
  const { source } = options;
  if (!isRecord(value)) {
    throw new ConfigError(
      `exemptions file ${source} is not allowed: expected an object with an "exemptions" list`,
    );
  }
  const unknown = Object.keys(value).filter((key) => key !== 'exemptions');
  if (unknown.length > 0 || !Array.isArray(value.exemptions)) {
    throw new ConfigError(
      `exemptions file ${source} is not allowed: expected only an "exemptions" list${unknown.length > 0 ? ` (found ${unknown.map((k) => JSON.stringify(k)).join(', ')})` : ''}`,
    );
  }
  if (value.exemptions.length > MAX_EXEMPTIONS) {
    throw new ConfigError(
      `exemptions file ${source} is not allowed: it holds ${value.exemptions.length} entries; expected at most ${MAX_EXEMPTIONS}`,
    );
  }
  const problems: string[] = [];
  const entries: Exemption[] = [];
  value.exemptions.forEach((raw: unknown, index: number) => {
    const checked = checkEntry(raw, index + 1, options);
    if ('problems' in checked) problems.push(...checked.problems);
    else entries.push(checked.exemption);
  });
  if (problems.length > 0) {
    const named = problems.map((problem) => `exemptions file ${source}: ${problem}`);
    // A file of thousands of bad entries names the first MAX_NOTES: the rest say the same.
    const listed = problems.slice(0, MAX_NOTES).map((p) => `  - ${p}`);
    if (problems.length > MAX_NOTES) listed.push(`  - and ${problems.length - MAX_NOTES} more`);
    throw new ConfigError(
      named.length === 1
        ? (named[0] as string)
        : `exemptions file ${source} is refused: ${problems.length} problems:\n${listed.join('\n')}`,
      { problems: named },
    );
  }
  return { source, entries };
}

function checkEntry(
  raw: unknown,
  entry: number,
  { now, maxExemptionDays }: ExemptionCheckOptions,
): { exemption: Exemption } | { problems: string[] } {
  if (!isRecord(raw)) {
    return {
      problems: [
        `entry ${entry} is not allowed: expected an object with user, reason, approvedBy and expires`,
      ],
    };
  }
  const name = typeof raw.user === 'string' ? ` (user ${raw.user})` : '';
  const problems: string[] = [];
  const refuse = (what: string) => problems.push(`entry ${entry}${name}: ${what}`);
  const unknown = Object.keys(raw).filter(
    (key) => !(EXEMPTION_KEYS as readonly string[]).includes(key),
  );
  for (const key of unknown) {
    refuse(
      `${JSON.stringify(key)} is not a key of an exemption: expected ${EXEMPTION_KEYS.join(', ')}`,
    );
  }
  const user = text(raw, 'user', refuse, 'a user name or a user ARN');
  let userName: string | undefined;
  let userArn: string | undefined;
  let arnAccount: string | undefined;
  if (user !== undefined) {
    const arn = USER_ARN.exec(user);
    if (arn) {
      userArn = user;
      userName = (arn[1] ?? '').split('/').pop();
      arnAccount = user.split(':')[4];
      if (userName === undefined || !USER_NAME.test(userName)) {
        refuse(
          `user=${JSON.stringify(user)} is not allowed: the ARN names no IAM user name (1 to 64 letters, digits and +=,.@_-)`,
        );
      }
    } else if (USER_NAME.test(user)) {
      userName = user;
    } else {
      refuse(
        `user=${JSON.stringify(user)} is not allowed: expected an IAM user name (1 to 64 letters, digits and +=,.@_-) or a user ARN`,
      );
    }
  }
  let account: string | undefined;
  if (raw.account !== undefined) {
    if (typeof raw.account === 'number') {
      refuse(
        `account=${raw.account} is not allowed: quote it ('012345678901'), as YAML reads unquoted digits as a number and drops leading zeros`,
      );
    } else if (typeof raw.account !== 'string' || !ACCOUNT_ID.test(raw.account)) {
      refuse(
        `account=${JSON.stringify(raw.account)} is not allowed: expected a 12-digit account id`,
      );
    } else if (arnAccount !== undefined && arnAccount !== raw.account) {
      refuse(`account=${raw.account} is not allowed: the user ARN names account ${arnAccount}`);
    } else account = raw.account;
  }
  account ??= arnAccount;
  let credentialId: string | undefined;
  if (raw.credentialId !== undefined) {
    if (typeof raw.credentialId !== 'string' || !CREDENTIAL_ID.test(raw.credentialId)) {
      refuse(
        `credentialId=${JSON.stringify(raw.credentialId)} is not allowed: expected IAM's id of a credential (16 to 128 letters, digits and _)`,
      );
    } else credentialId = raw.credentialId;
  }
  let kind: CredentialType | undefined;
  if (raw.kind !== undefined) {
    if (!(CREDENTIAL_TYPES as readonly unknown[]).includes(raw.kind)) {
      refuse(
        `kind=${JSON.stringify(raw.kind)} is not allowed: expected one of ${CREDENTIAL_TYPES.join(', ')}`,
      );
    } else kind = raw.kind as CredentialType;
  }
  const reason = text(raw, 'reason', refuse, 'why the exemption is granted', MAX_TEXT.reason);
  const approvedBy = text(
    raw,
    'approvedBy',
    refuse,
    'who approved the exemption',
    MAX_TEXT.approvedBy,
  );
  const ticket =
    raw.ticket === undefined
      ? undefined
      : text(
          raw,
          'ticket',
          refuse,
          'the ticket or change that records it (quote a number)',
          MAX_TEXT.ticket,
        );
  const expires = checkExpiry(raw.expires, now, maxExemptionDays, refuse);
  if (
    problems.length > 0 ||
    user === undefined ||
    userName === undefined ||
    reason === undefined ||
    approvedBy === undefined ||
    expires === undefined
  ) {
    return { problems };
  }
  return {
    exemption: {
      entry,
      user,
      userName,
      ...(userArn ? { userArn } : {}),
      ...(account ? { account } : {}),
      ...(credentialId ? { credentialId } : {}),
      ...(kind ? { kind } : {}),
      reason,
      approvedBy,
      ...(ticket ? { ticket } : {}),
      expires,
    },
  };
}

/** A required (or present optional) text field: trimmed, not empty, at most `max` characters. */
function text(
  raw: Record<string, unknown>,
  key: string,
  refuse: (what: string) => void,
  what: string,
  max = 2048,
): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null) {
    refuse(`${key} is missing: every exemption says ${what}`);
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '' || value.trim().length > max) {
    refuse(
      `${key}=${JSON.stringify(value)?.slice(0, 80)} is not allowed: expected ${what}, as text of 1 to ${max} characters`,
    );
    return undefined;
  }
  return value.trim();
}

/**
 * The entry's last day: `YYYY-MM-DD`, a day that exists, at most `maxExemptionDays` (else
 * {@link MAX_DAYS}) days from now; the same bounds as the exempt tag's `until` (core/rules.ts).
 */
function checkExpiry(
  value: unknown,
  now: Date,
  maxExemptionDays: number | undefined,
  refuse: (what: string) => void,
): string | undefined {
  const limit = maxExemptionDays ?? MAX_DAYS;
  const allowed = `the last day it holds, YYYY-MM-DD (UTC), a day that exists at most ${limit} days from now${maxExemptionDays === undefined ? '' : ' (maxExemptionDays)'}`;
  if (value === undefined || value === null) {
    refuse(`expires is missing: every exemption ends, on ${allowed}`);
    return undefined;
  }
  const day = typeof value === 'string' ? calendarDay(value) : undefined;
  if (day === undefined) {
    const shown = value instanceof Date ? value.toISOString() : JSON.stringify(value);
    refuse(`expires=${shown} is not allowed: expected ${allowed}`);
    return undefined;
  }
  if (day.getTime() + DAY_MS - now.getTime() > (limit + 1) * DAY_MS) {
    refuse(
      `expires=${value as string} is not allowed: it is more than ${limit} days from now; expected ${allowed}`,
    );
    return undefined;
  }
  return value as string;
}

/** When an entry stops holding: the start of the day after its last (UTC). */
export function exemptionEnd(exemption: Pick<Exemption, 'expires'>): Date {
  return new Date((calendarDay(exemption.expires) as Date).getTime() + DAY_MS);
}

/** Whether an entry still holds at `now`. */
export function inForce(exemption: Pick<Exemption, 'expires'>, now: Date): boolean {
  return now.getTime() < exemptionEnd(exemption).getTime();
}

/** What a finding an entry exempts carries. */
export function findingExemption(exemption: Exemption): FindingExemption {
  return {
    entry: exemption.entry,
    reason: exemption.reason,
    approvedBy: exemption.approvedBy,
    ticket: exemption.ticket ?? null,
    expires: exemption.expires,
  };
}

/** An entry as the report names it. */
export function exemptionNote(exemption: Exemption): ExemptionNote {
  return {
    ...findingExemption(exemption),
    user: exemption.user,
    credentialId: exemption.credentialId ?? null,
    kind: exemption.kind ?? null,
  };
}

/** The entry in a sentence: `exemptions file entry 3 (approved by sec@example.com, ticket SEC-1): reason`. */
export function describeExemption(exemption: FindingExemption): string {
  const ticket = exemption.ticket ? `, ticket ${exemption.ticket}` : '';
  return `exemptions file entry ${exemption.entry} (approved by ${exemption.approvedBy}${ticket}, through ${exemption.expires}): ${exemption.reason}`;
}

/** A credential as an entry is matched against it. */
export interface ExemptionSubject {
  readonly userName: string;
  readonly userArn: string;
  readonly type: CredentialType;
  readonly credentialId: string;
}

/**
 * The entries of one account's run: which entry speaks for a credential, and, once the run is
 * over, which entries matched nothing. An entry in force speaks before an expired one; of
 * several, the first in the file.
 */
export class ExemptionMatcher {
  private readonly entries: readonly Exemption[];
  /**
   * The entries by user name, lower-cased (IAM's user names are unique whatever their case, so
   * `Build-Bot` names `build-bot`), in file order: a credential is held against its user's only.
   */
  private readonly byUser = new Map<string, Exemption[]>();
  private readonly matched = new Set<number>();

  constructor(
    list: ExemptionList,
    accountId: string,
    private readonly now: Date,
  ) {
    this.entries = list.entries.filter((e) => e.account === undefined || e.account === accountId);
    for (const e of this.entries) {
      const key = e.userName.toLowerCase();
      const held = this.byUser.get(key);
      if (held) held.push(e);
      else this.byUser.set(key, [e]);
    }
  }

  /** The entry that speaks for a credential (in force, else expired), or undefined. */
  entryFor(subject: ExemptionSubject): Exemption | undefined {
    const matching = (this.byUser.get(subject.userName.toLowerCase()) ?? []).filter((e) =>
      matches(e, subject),
    );
    for (const e of matching) this.matched.add(e.entry);
    return matching.find((e) => inForce(e, this.now)) ?? matching[0];
  }

  /**
   * The report's account of the file: `staleJudged` when the run read every credential of the
   * account (a complete full scan of the whole account), else stale is null.
   */
  summary(staleJudged: boolean, exempted: number): ExemptionsSummary {
    const expired = this.entries.filter((e) => !inForce(e, this.now));
    const stale = staleJudged ? this.entries.filter((e) => !this.matched.has(e.entry)) : null;
    return {
      entries: this.entries.length,
      exempted,
      expiredCount: expired.length,
      expired: expired.slice(0, MAX_NOTES).map(exemptionNote),
      staleCount: stale?.length ?? null,
      stale: stale?.slice(0, MAX_NOTES).map(exemptionNote) ?? null,
    };
  }
}

function matches(e: Exemption, subject: ExemptionSubject): boolean {
  return (
    (e.userArn === undefined || e.userArn.toLowerCase() === subject.userArn.toLowerCase()) &&
    (e.credentialId === undefined || e.credentialId === subject.credentialId) &&
    (e.kind === undefined || e.kind === subject.type)
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The checked entries in the file's own form, as the constructs hand them to the functions
 * (JSON): each entry keeps its position, so entry 3 is entry 3 in every report.
 */
export function exemptionsFileOf(list: ExemptionList): { exemptions: ExemptionEntry[] } {
  return {
    exemptions: list.entries.map((e) => ({
      user: e.user,
      ...(e.account ? { account: e.account } : {}),
      ...(e.credentialId ? { credentialId: e.credentialId } : {}),
      ...(e.kind ? { kind: e.kind } : {}),
      reason: e.reason,
      approvedBy: e.approvedBy,
      ...(e.ticket ? { ticket: e.ticket } : {}),
      expires: e.expires,
    })),
  };
}

/**
 * What the report says of the exemptions file, in lines for a person (the table, the command
 * line, the digest, the HTML): how many entries and findings, then each expired and each stale
 * entry; none without a file.
 */
export function exemptionLines(summary: ExemptionsSummary | undefined): string[] {
  if (summary === undefined) return [];
  const note = (n: ExemptionNote) =>
    `entry ${n.entry} (${n.user}${n.credentialId ? ` ${n.credentialId}` : ''}${n.kind ? ` ${n.kind}` : ''}, approved by ${n.approvedBy}${n.ticket ? `, ticket ${n.ticket}` : ''}, through ${n.expires})`;
  const more = (shown: number, count: number) =>
    count > shown ? ` and ${count - shown} more` : '';
  const lines = [
    `Exemptions file: ${summary.entries} ${summary.entries === 1 ? 'entry applies' : 'entries apply'} to this account; ${summary.exempted} ${summary.exempted === 1 ? 'finding' : 'findings'} exempted.`,
  ];
  if (summary.expiredCount > 0) {
    lines.push(
      `Expired, exempting nothing (renew or remove them): ${summary.expired.map(note).join('; ')}${more(summary.expired.length, summary.expiredCount)}.`,
    );
  }
  if (summary.stale === null) {
    lines.push('Stale entries: not judged (the run was not a complete full scan of the account).');
  } else if ((summary.staleCount ?? 0) > 0) {
    lines.push(
      `Stale, matching no credential (remove them): ${summary.stale.map(note).join('; ')}${more(summary.stale.length, summary.staleCount ?? 0)}.`,
    );
  }
  return lines;
}
