# Sourced by bench scripts: a virtual environment with the reference tools,
# installed from PyPI on first use. Sets $PY.
BENCH_VENV="${BENCH_VENV:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.venv}"
if [ ! -x "$BENCH_VENV/bin/python" ]; then
  python3 -m venv "$BENCH_VENV"
  "$BENCH_VENV/bin/pip" install -q --upgrade pip
fi
bench_require() {  # bench_require module pip-name [pip-name…]
  local module="$1"; shift
  "$BENCH_VENV/bin/python" -c "import $module" 2>/dev/null || "$BENCH_VENV/bin/pip" install -q "$@"
}
bench_require numpy numpy
bench_require scipy scipy
PY="$BENCH_VENV/bin/python"
