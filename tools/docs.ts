import { verdictTableMarkdown } from '../lambda/core/checks/table';

/** The README sections generated from the code, by marker name. */
export const GENERATED_SECTIONS: Readonly<Record<string, () => string>> = {
  verdicts: verdictTableMarkdown,
};

/** Replaces what is between `<!-- name:start -->` and `<!-- name:end -->`. */
export function replaceSection(text: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to < from) throw new Error(`README has no ${start} … ${end} section`);
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
