import { isFailing, VERDICTS, type Verdict } from '../lambda/core/checks/table';
import { POLICY_KEYS, SETTINGS } from '../lambda/core/settings';
import { AWS_FLAGS, type Flag, RUN_FLAGS } from './flags';

/** `--help` fits a 100-column terminal. */
export const HELP_WIDTH = 100;

/** The verdicts that exit 1, for `--help`: the check table's failing ones. */
function failingVerdicts(): string {
  return (Object.keys(VERDICTS) as Verdict[]).filter(isFailing).join(', ');
}

/** The `--help` lines of a table of flags, each with its help as written. */
export function flagLines(flags: Readonly<Record<string, Flag>>): string {
  return Object.entries(flags)
    .map(([flag, { placeholder, help }]) => helpLine(flag, placeholder, help))
    .join('\n');
}

/** `--help`: every flag with its default, the policy flags generated from the settings table. */
export function helpText(): string {
  const policy = POLICY_KEYS.map((key) => {
    const setting = SETTINGS[key];
    const fallback =
      'default' in setting ? String(setting.default) : (setting.defaultText ?? 'none');
    return helpLine(setting.flag, setting.placeholder, `${setting.help} (default ${fallback})`);
  });
  return `Usage: signing-cert-audit [flags]
       signing-cert-audit restore --run RUN_ID [flags]   undo a run's changes (restore --help)
       signing-cert-audit report --input REPORT.json [flags]   re-render a report (report --help)

Audits every IAM user's X.509 signing certificates against an age policy, with the same engine
as the scheduled Lambda. In deactivate or delete mode it prints the plan and changes nothing
unless --apply is given.

Policy:
${policy.join('\n')}

Run:
${flagLines(RUN_FLAGS)}

AWS (the standard sources: default credential chain, AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL):
${flagLines(AWS_FLAGS)}

  -h, --help              show this help
  --version               show the version

Examples:
  signing-cert-audit --format table                  audit the account of your credentials
  signing-cert-audit --mode deactivate               plan the changes; nothing changes
  signing-cert-audit --mode deactivate --apply       carry the plan out (at most --max-actions)
  signing-cert-audit --as-of 2027-06-01              what will be over age by then
  signing-cert-audit --as-of +30d                    … and 30 days from now
  signing-cert-audit --format html --output a.html   the self-contained HTML report
  signing-cert-audit --output-dir reports            json, csv, html and ocsf from one run
  signing-cert-audit --severity HIGH --verdict NON_COMPLIANT   list only those findings
  signing-cert-audit report --input a.json --format html --output a.html   re-render, no AWS call
  signing-cert-audit --accounts 111111111111,222222222222 --role-name SigningCertAuditMember
  signing-cert-audit --mode delete --apply --change-record changes.jsonl
  signing-cert-audit restore --run RUN_ID --change-record changes.jsonl    plan the undo

${wrap(`Exit status, the same for one account and across accounts: 0 no failing finding; 1 a failing finding, one the check table marks failing, whatever the certificate's status (${failingVerdicts()}; --fail-on none turns it off; Security Hub reports it FAILED only while the certificate can still be used); 2 bad flags or configuration (no region included); 3 an AWS or network failure, users or accounts that could not be audited, or --time-limit reached (the partial report is written); 130 interrupted (Ctrl-C or SIGTERM: no new change starts, calls in flight finish, and the partial report is written with complete=false; a second Ctrl-C quits at once).`)}
`;
}

/** A flag's line of `--help`: its help at column 26, wrapped within HELP_WIDTH columns with a hanging indent. */
export function helpLine(flag: string, placeholder: string | undefined, help: string): string {
  const head = `  --${flag}${placeholder ? ` ${placeholder}` : ''}`;
  const body = wrap(help, HELP_WIDTH - 26).replaceAll('\n', `\n${' '.repeat(26)}`);
  return head.length >= 26 ? `${head}\n${' '.repeat(26)}${body}` : `${head.padEnd(26)}${body}`;
}

/** Wraps a paragraph at `width` columns, for `--help`. */
export function wrap(text: string, width = HELP_WIDTH): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line].join('\n');
}
