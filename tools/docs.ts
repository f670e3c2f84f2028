import { verdictTableMarkdown } from '../lambda/core/checks/table';
import { SETTINGS, type SettingKey } from '../lambda/core/settings';
import { emulatorExamplesBlock } from './docs-samples';

/** A section of a page generated from the code: the file, its marker name, and what renders it. */
export interface GeneratedSection {
  /** The page, from the repository's root. */
  readonly file: string;
  readonly name: string;
  readonly render: () => string;
}

/** The settings table, from the settings table in lambda/core/settings.ts. */
export function settingsTableMarkdown(): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const rows = (Object.keys(SETTINGS) as SettingKey[]).map((key) => {
    const setting = SETTINGS[key] as (typeof SETTINGS)[SettingKey] & { defaultText?: string };
    const fallback =
      setting.defaultText ??
      (setting.default === undefined ? '—' : `\`${String(setting.default)}\``);
    return `| \`${key}\` | \`${setting.env}\` | \`--${setting.flag}\` | ${cell(fallback)} | ${cell(setting.help)}; ${cell(setting.allowed)} |`;
  });
  return [
    '| setting (context key, construct prop) | Lambda environment | CLI flag | default | meaning; allowed |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/**
 * What "failing" means, as the code does it: the exit status and `summary.failing` count every
 * failing verdict (core/checks/table.ts `isFailing`); Security Hub's Compliance also asks whether
 * the certificate can still be used (sinks/asff.ts, core/finding-id.ts `stillUsable`), and leaves
 * the engine's verdicts out. One sentence, the same on every page that states the rule.
 */
export const FAILING_RULE =
  'A finding is failing when the verdict table marks its verdict failing, whatever the status of its certificate: the command line exits 1 on it and `summary.failing` counts it, but Security Hub reports it `FAILED` only while its certificate can still be used, so an over-age certificate that is Inactive (or that the run deactivated or deleted) fails the command line and is imported into Security Hub with Compliance `PASSED` and RecordState `ARCHIVED`, and an `ERROR`, about the run rather than the account, is not imported at all.';

/** The pages that state what failing means, each in {@link FAILING_RULE}'s words. */
export const FAILING_RULE_PAGES = [
  'docs/cli.md',
  'docs/security-hub.md',
  'docs/reference/verdicts.md',
] as const;

/** Every section generated from the code; `npm run docs` writes them, a test checks them. */
export const GENERATED_SECTIONS: readonly GeneratedSection[] = [
  { file: 'docs/reference/verdicts.md', name: 'verdicts', render: verdictTableMarkdown },
  { file: 'docs/reference/settings.md', name: 'settings', render: settingsTableMarkdown },
  ...FAILING_RULE_PAGES.map((file) => ({ file, name: 'failing-rule', render: () => FAILING_RULE })),
  // The commands the emulator session runs (tools/docs-samples.ts); their outputs are samples.
  { file: 'docs/cli.md', name: 'emulator-examples', render: emulatorExamplesBlock },
];

/** Replaces what is between `<!-- name:start -->` and `<!-- name:end -->`. */
export function replaceSection(text: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to < from) throw new Error(`the page has no ${start} … ${end} section`);
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

/** The section between the markers, with table padding and rule widths normalized away. */
export function sectionOf(text: string, name: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  return normalizeTable(text.slice(text.indexOf(start) + start.length, text.indexOf(end)));
}

/** A Markdown table as its cells, so a formatter's alignment does not count as a change. */
export function normalizeTable(markdown: string): string {
  return markdown
    .trim()
    .split('\n')
    .map((line) =>
      line
        .split('|')
        .map((cell) => cell.trim().replace(/^-+$/, '-'))
        .join('|'),
    )
    .join('\n');
}
