# The build-time scripts' shared part (sourced once `$out` is set): the environment every timing pins (cargo
# offline, since cold means compiling, not downloading crates; nothing inherited that changes a build or makes a
# panic slower), a fresh scratch directory, its log and the helpers that time a command into it.
export CARGO_NET_OFFLINE=true
export PIP_DISABLE_PIP_VERSION_CHECK=1
unset CARGO_TARGET_DIR RUSTFLAGS CARGO_BUILD_TARGET RUST_BACKTRACE
rm -rf "$out" && mkdir -p "$out"
log=$out/log.txt
step() { printf '\n== %s\n' "$*" | tee -a "$log" >&2; }

# Milliseconds a command takes; its output goes to the log.
ms() {
  local start end
  start=$(date +%s%N)
  "$@" >>"$log" 2>&1 || { echo "failed: $*; see $log" >&2; tail -30 "$log" >&2; exit 1; }
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
seconds() { awk -v ms="$1" 'BEGIN {printf "%.1f", ms / 1000}'; }
