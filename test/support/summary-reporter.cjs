// Prints the plain line CI reads ("tests: N passed, N failed, N skipped") when the run completes.
// Written at once (not at exit): `--forceExit` ends the process without running exit listeners' output.
const { writeSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    writeSync(
      1,
      `\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`,
    );
  }
}
module.exports = SummaryReporter;
