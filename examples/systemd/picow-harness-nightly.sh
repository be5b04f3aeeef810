#!/usr/bin/env bash
# One night: run the campaign, then gate the run against its baseline in the history.
# Used by picow-harness-nightly.service; the settings come from its Environment= lines.
# Exit: the gate's when it judged the run (0 no regression, 1 regression, 2/3 its own failure),
# else the run's (2 config, 3 infrastructure, 130 interrupted); an unmet expectation (run exit 1)
# with no regression still exits 1.
set -uo pipefail

harness=${PICOW_HARNESS:-/opt/picow-harness/bin/picow-harness.js}
config=${PICOW_CONFIG:-/opt/picow-harness/examples/nightly.yaml}
reports=${PICOW_REPORTS:-/var/lib/picow-harness/reports}
baseline=${PICOW_BASELINE:-rolling:7}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

node "$harness" run "$config" --reports "$reports" | tee "$log"
run_exit=${PIPESTATUS[0]}
run_dir=$(sed -n 's/^records: *//p' "$log" | tail -n 1)

# Judge only a run that finished its plan (0) or only missed an expectation (1): a run stopped by
# the rig (3) or a signal (130) is incomplete, and its folder stays resumable instead.
if [ -z "$run_dir" ] || { [ "$run_exit" -ne 0 ] && [ "$run_exit" -ne 1 ]; }; then
  echo "picow-harness-nightly: run exited $run_exit; not gated" >&2
  exit "$run_exit"
fi

node "$harness" gate "$run_dir" --baseline "$baseline" --reports "$reports"
gate_exit=$?
if [ "$gate_exit" -ne 0 ]; then exit "$gate_exit"; fi
exit "$run_exit"
