# Shared by the scripts: reads the pinned versions from .env.example, then lets
# .env (user overrides) and the caller's environment win.
load_versions() {
  local file key value
  for file in "$ROOT/.env.example" "$ROOT/.env"; do
    [ -f "$file" ] || continue
    while IFS='=' read -r key value; do
      case "$key" in
        STACK_VERSION|ES_VERSION) ;;
        *) continue ;;
      esac
      # The caller's environment has the last word.
      if [ -z "${!key+x}" ] || [ "${_from_file[$key]:-}" = 1 ]; then
        printf -v "$key" '%s' "$value"
        export "${key?}"
        _from_file[$key]=1
      fi
    done < <(grep -E '^[A-Z_]+=' "$file")
  done
}
declare -A _from_file=()
