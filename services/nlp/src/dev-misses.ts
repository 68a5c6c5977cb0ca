/**
 * Prints every miss of the development part (never the test part): the tool for tuning rules.
 * `npx tsx services/nlp/src/dev-misses.ts [outage|services|problem|language] [lang]`
 */
import { evaluateUnderstanding, formatReport, formatTable } from './evaluation';
import { loadLabelledSet } from './labelled-set';
import { createUnderstanding } from './understanding';

const [what, lang] = process.argv.slice(2);
const report = evaluateUnderstanding(createUnderstanding(), loadLabelledSet().dev);
for (const m of report.misses) {
  if (what && m.what !== what) continue;
  if (lang && m.lang !== lang) continue;
  console.log(`${m.line}\t${m.lang}\t${m.kind}\t${m.what}\texpected ${m.expected || '(none)'}\tgot ${m.got || '(none)'}\t${m.text}`);
}
console.log(formatReport('dev', report));
console.log(formatTable('language', report.byLanguage));
console.log(formatTable('kind', report.byKind));
