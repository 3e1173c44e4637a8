#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Slurm integration test of `serrano sweep` (docs/sweep.md): starts a single-node Slurm on
# this machine (munged, slurmctld, slurmd from Debian's slurm-wlm, every file in a temporary
# folder), runs a sweep as a 4-task job array (`serrano sweep --emit-slurm`), merges the shards,
# and checks that the result equals the same sweep run locally. Needs root (slurmd runs jobs as
# the submitting user) and the packages slurm-wlm and munge.
#
#   bash scripts/slurm_sweep_test.sh [path/to/serrano]
#
# Exit status 0 when the results match; 1 when they differ; 77 when Slurm is not installed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
serrano=$(readlink -f "${1:-${SERRANO_BIN:-$root/build/cli/serrano}}")
for tool in slurmctld slurmd munged sbatch; do
  if ! command -v "$tool" > /dev/null; then
    echo "slurm_sweep_test: $tool not found (install slurm-wlm)" >&2
    exit 77
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  echo "slurm_sweep_test: needs root (to start munged, slurmctld and slurmd)" >&2
  exit 77
fi

work=$(mktemp -d /tmp/serrano-slurm.XXXXXX)
host=$(hostname -s)
cpus=$(nproc)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  sleep 1
  for p in "${pids[@]}"; do kill -9 "$p" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work"/{state,spool,log,munge,out}
# munge: its own key, socket and state, so a system munged (if any) is left alone.
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
chown -R munge:munge "$work/munge" 2> /dev/null || true
munged --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" \
  --seed-file="$work/munge/munged.seed" --force
sleep 0.5
pids+=("$(cat "$work/munge/munged.pid")")

cat > "$work/slurm.conf" << EOF
ClusterName=serrano-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$work/slurm.conf"
slurmctld -f "$SLURM_CONF" -i
sleep 1
pids+=("$(cat "$work/slurmctld.pid")")
slurmd -f "$SLURM_CONF"
sleep 1
pids+=("$(cat "$work/slurmd.pid")")
for _ in $(seq 1 30); do
  if sinfo -h -o '%T' 2> /dev/null | grep -q -E '^(idle|mixed|allocated)'; then break; fi
  sleep 1
done
sinfo

# A 24-point sweep over two models (the spec the sweep tests use, smaller).
cat > "$work/spec.yaml" << EOF
name: slurm-test
chip:
  base: $root/configs/serrano-base.yaml
  array: [32, 64, 128]
  clock_ghz: [0.5, 1.0]
  dram_bandwidth_gbps: [204.8, 819.2]
workloads:
  - {model: bert-base, phase: prefill, seq: 32}
  - {model: gpt2-small, phase: decode, kv: 32}
EOF
cd "$work"
export SC_COPYRIGHT_MESSAGE=DISABLE
"$serrano" sweep spec.yaml --emit-slurm job.sh --tasks 4 --out "$work/out"
sbatch --wait job.sh
"$serrano" sweep merge spec.yaml --out "$work/slurm.jsonl" "$work"/out/sweep-slurm-test.shard-*-of-4.jsonl
"$serrano" sweep spec.yaml --jobs 2 --out "$work/local.jsonl" > /dev/null
"$serrano" sweep merge spec.yaml --out "$work/local-sorted.jsonl" "$work/local.jsonl"
if cmp "$work/slurm.jsonl" "$work/local-sorted.jsonl"; then
  echo "slurm_sweep_test: the 4-task job array's $(wc -l < "$work/slurm.jsonl") points equal the local run"
  exit 0
fi
echo "slurm_sweep_test: the Slurm and local results differ" >&2
diff "$work/slurm.jsonl" "$work/local-sorted.jsonl" | head >&2
exit 1
