# Two entry points for a fresh machine: `make demo` and `make test`.
# Both create .venv on first use. PyTorch is pinned to the CPU build that lies on this
# machine's disk (a plain `pip install torch` would download a multi-GB CUDA build).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench clean pose-env

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/sign2gpt demo --out demo_out

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

# Keypoint estimator (docs/pose.md): MediaPipe Holistic in its own environment, as its pins
# (numpy<2, protobuf<5, opencv-contrib-python) collide with the toolkit's. 0.10.21 is the last
# release whose wheel ships the Holistic model files. Idempotent: the stamp is made last.
POSE_VENV := .venv-pose
POSE_STAMP := $(POSE_VENV)/.installed
MEDIAPIPE_SPEC ?= mediapipe==0.10.21

$(POSE_STAMP):
	test -x $(POSE_VENV)/bin/python || $(PYTHON) -m venv $(POSE_VENV)
	$(POSE_VENV)/bin/python -m pip install -q "$(MEDIAPIPE_SPEC)"
	touch $(POSE_STAMP)

pose-env: $(POSE_STAMP)

clean:
	rm -rf $(VENV) $(POSE_VENV) demo_out .pytest_cache
