#!/bin/bash
# lab-topology: apply
# passthru assign killed (SIGKILL) after its later kernel writes (4 to the last): no
# half lease survives the next command. See assign-crash.inc.
CRASH_FIRST=4
. "$(dirname "$0")/assign-crash.inc"
