#!/bin/bash
# lab-topology: apply
# passthru apply killed (SIGKILL) after steps 4..6 in turn: the next run undoes the
# unfinished run exactly. See apply-crash.inc.
CRASH_FIRST=4 CRASH_LAST=6 CRASH_FORWARD=""
. "$(dirname "$0")/apply-crash.inc"
