# Lifelong: `make run` installs, builds and starts the server with a demo city;
# `make test` installs, builds and runs every test suite.
.PHONY: all deps build web run test bench fuzz clean

BUILD ?= build

all: build web

deps:
	@scripts/deps.sh

build: deps
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) >/dev/null
	@ninja -C $(BUILD)

web: deps
	@cd web && npm run build --silent

run: build web
	@scripts/run.sh

test: build web
	@scripts/test.sh

bench: build
	@bench/run.sh

fuzz: deps
	@tests/fuzz/run.sh $${FUZZ_SECONDS:-60}

clean:
	rm -rf $(BUILD) build-asan build-fuzz web/dist
