#!/bin/bash
# lab-topology: apply
# passthru apply killed (SIGKILL) after steps 7..9 in turn: the next run undoes the
# unfinished run exactly. See apply-crash.inc.
CRASH_FIRST=7 CRASH_LAST=9 CRASH_FORWARD=""
. "$(dirname "$0")/apply-crash.inc"
