#!/bin/bash
# lab-topology: apply
# passthru apply killed (SIGKILL) after steps 10..the last in turn: the next run undoes the
# unfinished run exactly; and the new config's own run converges after a kill. See apply-crash.inc.
CRASH_FIRST=10 CRASH_LAST= CRASH_FORWARD="3 10"
. "$(dirname "$0")/apply-crash.inc"
