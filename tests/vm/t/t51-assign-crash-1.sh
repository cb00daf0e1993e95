#!/bin/bash
# lab-topology: apply
# passthru assign killed (SIGKILL) after its lease record and its first kernel writes:
# no half lease survives the next command. See assign-crash.inc.
CRASH_FIRST=1 CRASH_LAST=3
. "$(dirname "$0")/assign-crash.inc"
