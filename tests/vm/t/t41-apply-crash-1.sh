#!/bin/bash
# lab-topology: apply
# passthru apply killed (SIGKILL) after steps 1..3 in turn: the next run undoes the
# unfinished run exactly. See apply-crash.inc.
CRASH_FIRST=1 CRASH_LAST=3 CRASH_FORWARD=""
. "$(dirname "$0")/apply-crash.inc"
