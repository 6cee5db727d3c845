# The build-time scripts' shared part (sourced, after `$out` is made): the scratch directory's log and the helpers
# that time a command into it.
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
