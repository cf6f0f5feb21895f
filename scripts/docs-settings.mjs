// Writes the README's settings table from src/config/settings.ts (run through `npm run docs:settings`,
// which builds first: this script reads the compiled table in dist/).
import { readFile, writeFile } from 'node:fs/promises';
import prettier from 'prettier';
import { settingsTable, withSettingsTable } from '../dist/config/settings.docs.js';

const path = new URL('../README.md', import.meta.url);
const before = await readFile(path, 'utf8');
const options = (await prettier.resolveConfig(path)) ?? {};
const after = await prettier.format(withSettingsTable(before, settingsTable()), {
  ...options,
  parser: 'markdown',
});
if (after === before) process.stdout.write('README.md settings table: up to date\n');
else {
  await writeFile(path, after);
  process.stdout.write('README.md settings table: written\n');
}
