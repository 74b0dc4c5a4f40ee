#!/usr/bin/env bash
# One GPU session (about 9 minutes of a lent H100/H200, JAX only): the training-speed benchmark, then the quality runs,
# each stopping itself before the deadline; everything comes back as at most 8 files under $OUT.
#   device run:  bash bench/gpu_session.sh        (carry .whl: keras, namex, optree wheels for the machine's Python)
#   dry run here: GPU_SESSION_DRY=1 OUT=/tmp/gpu bash bench/gpu_session.sh   (tiny iteration counts, CPU)
set -u
PY=${PY:-python3}                    # the dry run passes the project venv's python
START=$(date +%s)
DEADLINE=${DEADLINE:-540}            # seconds after START by which every run has saved
OUT=${OUT:-/tmp/gpu-out}
LOGS=/tmp/gpu-logs                   # packed into one file at the end: $OUT takes at most 8 files
rm -rf "$LOGS"; mkdir -p "$OUT" "$LOGS" runs
elapsed() { echo $(( $(date +%s) - START )); }
log() { echo "[$(elapsed) s] $*" | tee -a "$LOGS/session.log"; }

if [ -z "${GPU_SESSION_DRY:-}" ] && ls .whl/*.whl >/dev/null 2>&1; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD
fi
export KERAS_BACKEND=jax XLA_PYTHON_CLIENT_PREALLOCATE=false TF_CPP_MIN_LOG_LEVEL=3 PYTHONUNBUFFERED=1 OPENBLAS_NUM_THREADS=1
(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; $PY -c 'import jax, keras; print(jax.devices(), jax.__version__, keras.__version__)') > "$LOGS/device.txt" 2>&1
log "device: $(tr '\n' ' ' < "$LOGS/device.txt")"

QUALITY=(--preset quality)
SPEED=(--presets paper small --loops python scan --iterations 200)
if [ -n "${GPU_SESSION_DRY:-}" ]; then   # the same commands with a few iterations, to check the script itself
  QUALITY+=(--pretrain_iterations 2 --clone_iterations 2 --iterations 3 --finetune_iterations 2 --critic_warmup 1 --log_every 1 --image_every 1000 --checkpoint_every 1000)
  SPEED=(--presets small --loops scan --iterations 3)
fi

log "data"
$PY -m training.data --source procedural > "$LOGS/data.log" 2>&1 &
DATA=$!
log "speed benchmark"
timeout 200 $PY bench/train_speed.py --backends jax "${SPEED[@]}" > "$LOGS/speed.log" 2>&1
log "speed benchmark done (exit $?)"
wait $DATA
log "data done"

BUDGET=$(( DEADLINE - $(elapsed) - 60 ))   # a minute for the last compile, save and exit
log "quality runs, budget ${BUDGET} s each"
COMMON=(--backend jax --seeds 0 1 2 --no-progress --time-budget "$BUDGET" "${QUALITY[@]}")
$PY -m training.train --out runs/quality-adaptive "${COMMON[@]}" > "$LOGS/adaptive.log" 2>&1 &
$PY -m training.train --out runs/quality-plain "${COMMON[@]}" --pretrain_iterations 0 --clone_iterations 0 \
  --finetune_iterations 0 --iterations 7000 --critic_warmup 0 --twin_critics false --target_noise 0 --actor_delay 1 \
  > "$LOGS/plain.log" 2>&1 &
for path in spiral serpentine random_walk; do
  $PY -m training.fixed_path --path $path --out runs/quality-fixed-$path "${COMMON[@]}" > "$LOGS/fixed-$path.log" 2>&1 &
done
wait
log "quality runs done"

# pack: the adaptive runs with their training state (resumable), the others as exported networks
pack() {  # pack NAME WITH_STATE RUN...
  local name=$1 with=$2; shift 2
  local dir=/tmp/pack/$name; rm -rf "$dir"; mkdir -p "$dir"
  for run in "$@"; do
    [ -d "$run/checkpoint" ] || continue
    $PY -m training.checkpoint export "$run/checkpoint" "$dir/$(basename "$run")/checkpoint" $with >> "$LOGS/pack.log" 2>&1
    cp -r "$run/learning_curve.csv" "$run/tb" "$dir/$(basename "$run")/" 2>/dev/null
  done
  tar czf "$OUT/$name.tgz" -C /tmp/pack "$name"
}
for seed in 0 1 2; do pack adaptive-seed$seed --with-state runs/quality-adaptive-seed$seed; done
pack plain "" runs/quality-plain-seed*
pack fixed "" runs/quality-fixed-*-seed*
cp bench/results/train_speed.json bench/results/train_speed.md "$LOGS/" 2>/dev/null
log "end"
ls -la "$OUT" >> "$LOGS/session.log"
tar czf "$OUT/logs.tgz" -C /tmp gpu-logs
