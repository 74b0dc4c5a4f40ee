#!/usr/bin/env bash
# Continue training runs on a lent GPU for a time budget (all at once), then pack each run with its training state into
# $OUT/<run>.tgz (the device tool returns at most 8 files of 16 MiB). Repeated sessions add up; --resume is exact.
#   device run:  bash bench/gpu_resume.sh SECONDS runs/NAME ...      (carry .whl and the run folders)
set -u
PY=${PY:-python3}
BUDGET=$1; shift
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
if ls .whl/*.whl >/dev/null 2>&1; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD
fi
export KERAS_BACKEND=jax XLA_PYTHON_CLIENT_PREALLOCATE=false TF_CPP_MIN_LOG_LEVEL=3 PYTHONUNBUFFERED=1 OPENBLAS_NUM_THREADS=1
$PY -m training.data --source procedural > /tmp/data.log 2>&1
for run in "$@"; do
  $PY -m training.train --backend jax --out "$run" --resume --time-budget "$BUDGET" --no-progress > "/tmp/$(basename "$run").log" 2>&1 &
done
wait
for run in "$@"; do
  name=$(basename "$run")
  rm -rf "/tmp/pack/$name"; mkdir -p "/tmp/pack/$name"
  $PY -m training.checkpoint export "$run/checkpoint" "/tmp/pack/$name/checkpoint" --with-state
  cp -r "$run/learning_curve.csv" "$run/tb" "/tmp/$name.log" "/tmp/pack/$name/"
  tar czf "$OUT/$name.tgz" -C /tmp/pack "$name"
  tail -n 2 "/tmp/$name.log"
done
