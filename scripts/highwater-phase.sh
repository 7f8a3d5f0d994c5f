# Phase markers for `highwater exec` from a shell script:
#   . scripts/highwater-phase.sh
#   hw_phase begin load; ...; hw_phase end load
# Writes to the descriptor in HIGHWATER_PHASE_FD; does nothing outside highwater.
hw_phase() {
  [ -n "${HIGHWATER_PHASE_FD:-}" ] || return 0
  printf '%s %s\n' "$1" "$2" >&"$HIGHWATER_PHASE_FD" 2>/dev/null || true
}
