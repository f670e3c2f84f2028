import { verdictTableMarkdown } from '../lambda/core/checks/table';
import { SETTINGS, type SettingKey } from '../lambda/core/settings';

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

/** Every section generated from the code; `npm run docs` writes them, a test checks them. */
export const GENERATED_SECTIONS: readonly GeneratedSection[] = [
  { file: 'docs/reference/verdicts.md', name: 'verdicts', render: verdictTableMarkdown },
  { file: 'docs/reference/settings.md', name: 'settings', render: settingsTableMarkdown },
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
