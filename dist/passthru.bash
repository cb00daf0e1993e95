# bash completion for passthru(8): commands, each command's options (read from
# `passthru help CMD`, which is generated from the command table, so it cannot drift),
# option values, PCI addresses and network interfaces of the host (under --sysroot when
# given), pool and VM names from the lease database, profile files.

# The passthru being completed, and the global options already on the line, to re-run it.
_passthru_cmd()
{
	local i w
	_pt_bin=${COMP_WORDS[0]}
	command -v "$_pt_bin" >/dev/null 2>&1 || _pt_bin=passthru
	_pt_global=()
	_pt_root=${PASSTHRU_SYSROOT:-}
	_pt_command=
	_pt_command_at=0
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--sysroot | --state-dir)
			_pt_global+=("$w" "${COMP_WORDS[i + 1]}")
			[ "$w" = --sysroot ] && _pt_root=${COMP_WORDS[i + 1]}
			i=$((i + 1))
			;;
		--sysroot=* | --state-dir=*)
			_pt_global+=("$w")
			[ "${w%%=*}" = --sysroot ] && _pt_root=${w#*=}
			;;
		-*) ;;
		*)
			_pt_command=$w
			_pt_command_at=$i
			return
			;;
		esac
	done
}

# PCI addresses and network interfaces: straight from sysfs under the sysroot (fast,
# works as any user); through `passthru list` when the sysroot is a snapshot archive.
_passthru_devices()
{
	local root=${_pt_root:-/} d
	if [ -d "$root" ]; then
		for d in "$root"/sys/bus/pci/devices/* "$root"/sys/class/net/*; do
			[ -e "$d" ] || [ -L "$d" ] || continue
			d=${d##*/}
			[ "$d" = lo ] || printf '%s\n' "$d"
		done
	else
		"$_pt_bin" "${_pt_global[@]}" list --json 2>/dev/null |
			sed -n 's/^ *"\(bdf\|netdev\)": "\([^"]*\)".*/\2/p'
	fi
}

# Names from the lease database: pools (pools --json) and VMs (leases --json).
_passthru_pools()
{
	"$_pt_bin" "${_pt_global[@]}" pools --no-sync --json 2>/dev/null |
		sed -n 's/.*"pool": *"\([^"]*\)".*/\1/p' | sort -u
}

_passthru_vms()
{
	"$_pt_bin" "${_pt_global[@]}" leases --json 2>/dev/null |
		sed -n 's/.*"vm": *"\([^"]*\)".*/\1/p' | sort -u
}

_passthru_files()
{ # _passthru_files CUR [GLOB]: files (matching GLOB) and directories
	local IFS=$'\n'
	compopt -o filenames 2>/dev/null
	if [ -n "${2:-}" ]; then
		COMPREPLY=($(compgen -d -- "$1") $(compgen -f -X "!$2" -- "$1"))
	else
		COMPREPLY=($(compgen -f -- "$1"))
	fi
}

_passthru()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local help line opts="" argopts=" " name arg IFS=$' \t\n'
	COMPREPLY=()
	_passthru_cmd

	# the value of a global option
	case $prev in
	--sysroot)
		_passthru_files "$cur" '*.tar.gz'
		return
		;;
	--state-dir)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	esac
	if [ -z "$_pt_command" ]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--sysroot --state-dir --json --version --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "help $("$_pt_bin" help 2>/dev/null |
				sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')" -- "$cur"))
		fi
		return
	fi
	if [ "$_pt_command" = help ]; then
		[ "$COMP_CWORD" -eq $((_pt_command_at + 1)) ] &&
			COMPREPLY=($(compgen -W "$("$_pt_bin" help 2>/dev/null |
				sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')" -- "$cur"))
		return
	fi

	# the command's options, and which take a value (ARG, or a|b|c alternatives)
	help=$("$_pt_bin" help "$_pt_command" 2>/dev/null)
	while IFS= read -r line; do
		[[ $line =~ ^\ \ (-[a-zA-Z],\ |\ \ \ \ )--([a-z][a-z0-9-]*)(\ ([^ ]+))? ]] || continue
		name=--${BASH_REMATCH[2]}
		arg=${BASH_REMATCH[4]}
		opts+=" $name"
		[ -n "$arg" ] && argopts+="$name=$arg "
		[ -n "$arg" ] && [ "${line:2:1}" = - ] && argopts+="${line:2:2}=$arg "
	done <<<"$help"

	case $argopts in
	*" $prev="*)
		arg=${argopts#*" $prev="}
		arg=${arg%% *}
		case $arg in
		*"|"*) COMPREPLY=($(compgen -W "${arg//|/ }" -- "$cur")) ;;
		DEV | BDF | PF) COMPREPLY=($(compgen -W "$(_passthru_devices)" -- "$cur")) ;;
		P) COMPREPLY=($(compgen -W "$(_passthru_pools)" -- "$cur")) ;;
		VM) COMPREPLY=($(compgen -W "$(_passthru_vms)" -- "$cur")) ;;
		CMD) COMPREPLY=($(compgen -c -- "$cur")) ;;
		FILE.tar.gz) _passthru_files "$cur" '*.tar.gz' ;;
		FILE)
			case $prev in
			--profile | -p | --config | -c) _passthru_files "$cur" '*.y*ml' ;;
			*) _passthru_files "$cur" ;;
			esac
			;;
		esac
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	# positional arguments, as the usage line names them
	case $_pt_command in
	show | doctor | vfs) COMPREPLY=($(compgen -W "$(_passthru_devices)" -- "$cur")) ;;
	apply) _passthru_files "$cur" '*.y*ml' ;;
	log) _passthru_files "$cur" ;;
	release) COMPREPLY=($(compgen -W "$(_passthru_vms)" -- "$cur")) ;;
	esac
}
complete -F _passthru passthru
