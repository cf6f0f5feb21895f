import { ALL_SETTINGS, type Setting } from './settings.js';

/** The README's markers around the generated settings table. */
export const SETTINGS_TABLE_START = '<!-- settings:start (npm run docs:settings writes this table) -->';
export const SETTINGS_TABLE_END = '<!-- settings:end -->';

const HEADER = ['variable', 'default', 'meaning'];

function defaultCell(setting: Setting<unknown>): string {
  if (setting.defaultDoc !== undefined) return setting.defaultDoc;
  const value = setting.default;
  if (value === undefined) return '';
  return `\`${typeof value === 'boolean' ? (value ? '1' : '0') : String(value)}\``;
}

function meaningCell(setting: Setting<unknown>): string {
  if (setting.only === 'test') return `${setting.doc} (test-only: refused when \`NODE_ENV=production\`)`;
  if (setting.only === 'dev') return `${setting.doc} (tests, local development; refused in production)`;
  return setting.doc;
}

/** The rows of the settings table: variable, default, meaning (Markdown cells). */
export function settingsRows(): string[][] {
  return ALL_SETTINGS.map(([name, setting]) => [`\`${name}\``, defaultCell(setting), meaningCell(setting)]);
}

/** The settings table as Markdown (unaligned; Prettier aligns it). */
export function settingsTable(): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(HEADER), line(HEADER.map(() => '---')), ...settingsRows().map(line)].join('\n');
}

/** The rows of the table between the markers of `readme` (cells trimmed), or undefined without markers. */
export function readmeSettingsRows(readme: string): string[][] | undefined {
  const start = readme.indexOf(SETTINGS_TABLE_START);
  const end = readme.indexOf(SETTINGS_TABLE_END);
  if (start < 0 || end < start) return undefined;
  return readme
    .slice(start + SETTINGS_TABLE_START.length, end)
    .split('\n')
    .filter((l) => l.trim().startsWith('|'))
    .slice(2)
    .map((l) =>
      l
        .trim()
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
}

/** `readme` with the table between its markers replaced by `table`. */
export function withSettingsTable(readme: string, table: string): string {
  const start = readme.indexOf(SETTINGS_TABLE_START);
  const end = readme.indexOf(SETTINGS_TABLE_END);
  if (start < 0 || end < start)
    throw new Error(`README.md has no ${SETTINGS_TABLE_START} ... ${SETTINGS_TABLE_END}`);
  return `${readme.slice(0, start + SETTINGS_TABLE_START.length)}\n\n${table}\n\n${readme.slice(end)}`;
}
