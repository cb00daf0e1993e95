# TAP helpers for the CLI tests (sh). A test sets P (the passthru binary) and T (its
# temp dir) as it likes, sources this file, asserts, and ends with tap_done.
#   . "$(dirname "$0")/tap.sh"
n=0
failed=0

ok() { # ok EXIT-STATUS DESCRIPTION: passes when EXIT-STATUS is 0
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

is() { # is GOT WANT DESCRIPTION
	[ "$1" = "$2" ]
	_r=$?
	ok $_r "$3"
	[ $_r = 0 ] || echo "#   got '$1', want '$2'"
}

diag() { sed 's/^/# /' "$@"; }

same() { # same FILE-A FILE-B DESCRIPTION: the files are byte-identical
	if cmp -s "$1" "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diff "$1" "$2" | head -20 | diag
	fi
}

tap_done() { # the plan line; the exit status says whether every assertion passed
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
