// Prints the plain closing line CI reads ("tests: N passed, N failed, N skipped") as the very last line,
// after Jest's own summary (written at exit, since Jest prints its summary after the reporters' hooks).
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`;
    process.once('exit', () => process.stdout.write(line));
  }
}
module.exports = SummaryReporter;
