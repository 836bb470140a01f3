#!/bin/sh
# Runs each unit test binary given as an argument; exits non-zero if any
# failed. Each binary prints its own "N passed, N failed" line.
status=0
for t in "$@"; do
    "$t" || status=1
done
exit $status
