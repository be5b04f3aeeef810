'use strict';
// Mocha's spec reporter, ending with the one line CI and people read last: "N passed, N failed".
const { reporters } = require('mocha');

class SummaryReporter extends reporters.Spec {
  epilogue() {
    super.epilogue();
    const { passes = 0, failures = 0 } = this.stats;
    process.stdout.write(`${passes} passed, ${failures} failed\n`);
  }
}

module.exports = SummaryReporter;
