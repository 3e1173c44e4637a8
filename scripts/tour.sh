#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Regenerates (or checks) the command outputs of the guided tour, docs/tour/*.md.
#
#   bash scripts/tour.sh [SERRANO_BIN]           rewrite the output blocks in place
#   bash scripts/tour.sh --check [SERRANO_BIN]   print a diff and exit 1 if any block is stale
#
# SERRANO_BIN defaults to $SERRANO_BIN, then build/cli/serrano (relative to the repository root).
#
# A block is everything between `<!-- tour:begin NAME -->` and `<!-- tour:end NAME -->`. Its
# command lines are the lines that start with `$ ` (a line ending in `\` continues on the next
# one); everything else in the block is output and is rewritten. Each command runs with bash
# (pipefail on) from the repository root, with `serrano` on the PATH being SERRANO_BIN,
# SC_COPYRIGHT_MESSAGE=DISABLE (no SystemC banner) and LC_ALL=C (sort orders). Its stdout and
# stderr together are its output, with trailing blanks stripped; a non-zero exit status is shown
# as a last line `[exit status N]`. Commands write their files under /tmp/tour, which the script
# maps to a private temporary folder (and the folder's name back to /tmp/tour in the output), so
# runs never collide.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
check=0
bin=""
for arg in "$@"; do
  case "$arg" in
    --check) check=1 ;;
    -h|--help) sed -n '3,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "tour.sh: unknown option $arg" >&2; exit 2 ;;
    *) bin="$arg" ;;
  esac
done
bin="${bin:-${SERRANO_BIN:-build/cli/serrano}}"
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac
if [[ ! -x "$bin" ]]; then
  echo "tour.sh: no serrano binary at $bin (build it, or pass its path)" >&2
  exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/tour" "$work/new"
ln -s "$bin" "$work/bin/serrano"
tmp_dir="$work/tour"

# Runs one command as a student would type it; prints its output, normalised.
run_command() {
  local cmd="${1//\/tmp\/tour/$tmp_dir}" out status=0
  out="$(cd "$root" && PATH="$work/bin:$PATH" SC_COPYRIGHT_MESSAGE=DISABLE LC_ALL=C \
         bash -o pipefail -c "$cmd" 2>&1)" || status=$?
  out="${out//$tmp_dir//tmp/tour}"
  if [[ -n "$out" ]]; then
    printf '%s\n' "$out" | sed 's/[[:space:]]*$//'
  fi
  if [[ $status -ne 0 ]]; then
    echo "[exit status $status]"
  fi
}

# Writes the regenerated FILE to stdout.
regenerate() {
  local file="$1" line name="" cmd="" cont=0 lineno=0
  local -a cmds=() shown=()
  while IFS= read -r line || [[ -n "$line" ]]; do
    lineno=$((lineno + 1))
    if [[ -z "$name" ]]; then
      printf '%s\n' "$line"
      if [[ "$line" =~ ^\<!--\ tour:begin\ ([A-Za-z0-9_.-]+)\ --\>$ ]]; then
        name="${BASH_REMATCH[1]}"
        cmds=(); shown=(); cont=0
      elif [[ "$line" == "<!-- tour:end"* ]]; then
        echo "tour.sh: $file:$lineno: tour:end without a tour:begin" >&2; return 2
      fi
      continue
    fi
    if [[ "$line" =~ ^\<!--\ tour:end\ ([A-Za-z0-9_.-]+)\ --\>$ ]]; then
      if [[ "${BASH_REMATCH[1]}" != "$name" ]]; then
        echo "tour.sh: $file:$lineno: tour:end ${BASH_REMATCH[1]} closes tour:begin $name" >&2
        return 2
      fi
      if [[ ${#cmds[@]} -eq 0 ]]; then
        echo "tour.sh: $file: block $name has no command (a line starting with '\$ ')" >&2
        return 2
      fi
      echo '```console'
      local i
      for i in "${!cmds[@]}"; do
        printf '%s\n' "${shown[$i]}"
        run_command "${cmds[$i]}"
      done
      echo '```'
      printf '%s\n' "$line"
      name=""
      continue
    fi
    if [[ "$line" == "<!-- tour:begin"* ]]; then
      echo "tour.sh: $file:$lineno: tour:begin inside block $name" >&2; return 2
    fi
    if [[ $cont -eq 1 ]]; then
      local last=$((${#cmds[@]} - 1))
      cmds[$last]+=$'\n'"$line"
      shown[$last]="${shown[$last]}"$'\n'"$line"
    elif [[ "$line" == '$ '* ]]; then
      cmds+=("${line#\$ }")
      shown+=("$line")
    else
      continue
    fi
    if [[ "$line" == *'\' ]]; then cont=1; else cont=0; fi
  done < "$file"
  if [[ -n "$name" ]]; then
    echo "tour.sh: $file: block $name has no tour:end" >&2; return 2
  fi
}

stale=0
shopt -s nullglob
files=("$root"/docs/tour/*.md)
if [[ ${#files[@]} -eq 0 ]]; then
  echo "tour.sh: no docs/tour/*.md" >&2
  exit 2
fi
for file in "${files[@]}"; do
  rel="${file#"$root"/}"
  new="$work/new/$(basename "$file")"
  regenerate "$file" > "$new"
  if ! cmp -s "$file" "$new"; then
    if [[ $check -eq 1 ]]; then
      stale=1
      diff -u --label "$rel (in git)" --label "$rel (what serrano prints now)" "$file" "$new" || true
    else
      cp "$new" "$file"
      echo "tour.sh: rewrote $rel"
    fi
  fi
done
if [[ $stale -eq 1 ]]; then
  echo "tour.sh: the tour's outputs differ from what $bin prints; run bash scripts/tour.sh to" \
       "regenerate them (and check that the text around them still holds)" >&2
  exit 1
fi
