// Prints, as one line of JSON, what test-results-parser makes of a JUnit
// file: the totals a dashboard shows and the names of the failed, errored
// and skipped testcases. Used by internal/junittest.
'use strict';
const { parse } = require('test-results-parser');

const file = process.argv[2];
if (!file) {
  console.error('usage: node counts.js FILE.xml');
  process.exit(2);
}
const result = parse({ type: 'junit', files: [file] });
const cases = { failed: [], skipped: [] };
for (const suite of result.suites) {
  for (const testcase of suite.cases) {
    if (testcase.status === 'FAIL') cases.failed.push(testcase.name);
    if (testcase.status === 'SKIP') cases.skipped.push(testcase.name);
  }
}
console.log(JSON.stringify({
  total: result.total,
  passed: result.passed,
  failed: result.failed,
  errors: result.errors,
  skipped: result.skipped,
  status: result.status,
  suites: result.suites.length,
  failed_cases: cases.failed,
  skipped_cases: cases.skipped,
}));
