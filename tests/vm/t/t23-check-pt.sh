#!/bin/bash
# lab-topology: pt
# iommu=pt: groups exist, the default domain is passthrough; a profile can require
# either.
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
out=$(pt check --json)
is "$?" 0 "iommu=pt host passes the default profile"
r() { printf '%s' "$out" | jq -r --arg id "$1" ".checks[] | select(.id == \$id) | .$2"; }
like "$(r iommu.default-domain evidence)" "^passthrough" "default domain reported as passthrough"
g=$(ls /sys/kernel/iommu_groups | head -1)
is "$(cat /sys/kernel/iommu_groups/$g/type)" identity "the kernel's truth: group type identity"
printf 'iommu: { default_domain: translated }\n' >"$tmp/t.yaml"
is "$(pt check --profile "$tmp/t.yaml" --json | jq -r '.checks[] | select(.id == "iommu.default-domain") | .result')" fail \
	"a profile wanting translation fails on iommu=pt"
printf 'iommu: { default_domain: passthrough }\nkernel: { cmdline: { require: [iommu=pt] } }\n' >"$tmp/p.yaml"
ok "a profile wanting passthrough and iommu=pt passes" pt check --profile "$tmp/p.yaml"
rm -rf "$tmp"
test_done
