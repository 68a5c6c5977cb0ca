/**
 * Prints every miss of the development part (never the test part): the tool for tuning rules.
 * `npx tsx services/nlp/src/dev-misses.ts [outage|services|problem|language|all] [lang] [file.jsonl]`
 * With a file (a probe: new posts written before the rules they measure), its misses instead.
 */
import { evaluateUnderstanding, formatReport, formatTable } from './evaluation';
import { LABELLED_TEST_PATH, loadLabelledFile, loadLabelledSet } from './labelled-set';
import { createUnderstanding } from './understanding';
import { resolve } from 'node:path';

const [whatArg, langArg, file] = process.argv.slice(2);
const what = whatArg === 'all' ? undefined : whatArg;
const lang = langArg === 'all' ? undefined : langArg;
if (file && resolve(file) === resolve(LABELLED_TEST_PATH)) throw new Error('the test part is never read for misses');
const examples = file ? loadLabelledFile(file, 'dev') : loadLabelledSet().dev;
const report = evaluateUnderstanding(createUnderstanding(), examples);
for (const m of report.misses) {
  if (what && m.what !== what) continue;
  if (lang && m.lang !== lang) continue;
  console.log(`${m.line}\t${m.lang}\t${m.kind}\t${m.what}\texpected ${m.expected || '(none)'}\tgot ${m.got || '(none)'}\t${m.text}`);
}
console.log(formatReport('dev', report));
console.log(formatTable('language', report.byLanguage));
console.log(formatTable('kind', report.byKind));
