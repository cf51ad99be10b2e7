# ordo: every target installs what it needs first, so a fresh clone needs only `make run` or `make test`.
NPM ?= npm
STAMP := node_modules/.install-stamp

.PHONY: install build build-web build-bench check test screenshot run flow bench bench-quick bench-compare soak soak-sim cluster soak-cluster clean

# `npm ci` installs exactly what the committed lock pins and never rewrites it, so a fresh clone
# stays clean after its first build.
$(STAMP): package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch $(STAMP)

install: $(STAMP)

# dist/ is the package: production code only. The benchmarks build into dist-bench/, beside the
# test kit they use, so that no test code ships. The web dashboard (web/) is bundled by Vite into
# dist/web/, which the gateway serves at GET /.
build: build-web
	npx tsc -p tsconfig.build.json

build-web: $(STAMP)
	npx vite build

build-bench: $(STAMP)
	npx tsc -p tsconfig.bench.json

check: $(STAMP)
	npx tsc -p tsconfig.json --noEmit
	npx tsc -p web/tsconfig.json --noEmit

# The last line is the plain "N passed, N failed" summary, read from vitest's JSON report.
test: check build-web
	@status=0; npx vitest run --reporter=default --reporter=json --outputFile.json=.vitest-results.json || status=$$?; \
	node -e 'const r = JSON.parse(require("fs").readFileSync(".vitest-results.json", "utf8")); console.log(`$${r.numPassedTests} passed, $${r.numFailedTests} failed, $${r.numPendingTests + r.numTodoTests} skipped`)' || status=1; \
	exit $$status

# docs/dashboard.png: the dashboard in Chromium while the load generator runs.
screenshot: build-web
	node --import tsx testkit/dashboard-screenshot.ts --out docs/dashboard.png

run: build
	node dist/bin/ordo.js run $(ARGS)

# Apply a standard order-flow file (design §9): make flow FILE=path
flow: build
	@test -n "$(FILE)" || (echo "usage: make flow FILE=path/to/flow.bin" >&2; exit 2)
	node dist/bin/ordo.js flow $(FILE)

bench: build-bench
	node dist-bench/bench/suite.js --profile full

bench-quick: build-bench
	node dist-bench/bench/suite.js --profile quick

# Ratios between two benchmark runs, one line per metric: make bench-compare A=a.json B=b.json
bench-compare: build-bench
	@test -n "$(A)" -a -n "$(B)" || (echo "usage: make bench-compare A=bench/results/a.json B=bench/results/b.json" >&2; exit 2)
	node dist-bench/bench/cli.js compare $(A) $(B)

# Crash soak: SIGKILL the durable engine KILLS times under load, checking every ack: make soak KILLS=100
KILLS ?= 100
soak: $(STAMP)
	node --import tsx testkit/crash-soak.ts --kills $(KILLS) $(if $(SEED),--seed $(SEED)) $(if $(RATE),--rate $(RATE))

# Deterministic simulation soak: the pipeline on one thread under seeded faults and crashes, for
# many seeds; a failure prints the seed that replays it: make soak-sim SIM_SEEDS=100000 [SIM_FIRST=n] [SIM_STEPS=n] [SIM_BUDGET_S=n] [SIM_WORKERS=n]
SIM_SEEDS ?= 100000
soak-sim: $(STAMP)
	node --import tsx testkit/sim/sim-soak.ts --seeds $(SIM_SEEDS) $(if $(SIM_FIRST),--first $(SIM_FIRST)) $(if $(SIM_STEPS),--steps $(SIM_STEPS)) $(if $(SIM_BUDGET_S),--budget-s $(SIM_BUDGET_S)) $(if $(SIM_WORKERS),--workers $(SIM_WORKERS))

# Cluster mode on this machine (design §11): three nats-server nodes and two ordo nodes on ports
# 8080 and 8081, data under data/cluster/. Ctrl-C stops it all.
cluster: build
	node dist/bin/cluster-demo.js $(ARGS)

# Cluster soak: SIGKILL the leader KILLS times under load; failover p50/max and acked-but-lost.
soak-cluster: $(STAMP)
	node --import tsx testkit/cluster-soak.ts --kills $(or $(CLUSTER_KILLS),20) $(if $(LEASE_MS),--lease-ms $(LEASE_MS))

clean:
	rm -rf dist dist-bench
