# colorme-sync — common tasks. `make help` lists them.
SHELL := /bin/bash
GO    ?= go
export TEMPORAL_CLI ?= $(CURDIR)/bin/temporal

.PHONY: help build temporal workflowcheck cluster cluster-stop linters race test scenarios screenshots lint monitoring-check demo bench chaos fuzz clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

build: ## build worker, starter, console and sandbox into bin/
	$(GO) build -o bin/ ./worker ./starter ./console ./sandbox

bin/temporal: tools/go.mod tools/go.sum
	$(GO) build -modfile=tools/go.mod -o bin/temporal github.com/temporalio/cli/cmd/temporal

bin/workflowcheck: tools/go.mod tools/go.sum
	$(GO) build -modfile=tools/go.mod -o bin/workflowcheck go.temporal.io/sdk/contrib/tools/workflowcheck

temporal: bin/temporal ## build the Temporal CLI v1.5.1 (dev server + UI) from the module proxy (~5 min cold)

bin/staticcheck: tools/go.mod tools/go.sum
	$(GO) build -modfile=tools/go.mod -o bin/staticcheck honnef.co/go/tools/cmd/staticcheck

bin/errcheck: tools/go.mod tools/go.sum
	$(GO) build -modfile=tools/go.mod -o bin/errcheck github.com/kisielk/errcheck

workflowcheck: bin/workflowcheck

bin/temporal-server: tools/go.mod tools/go.sum
	$(GO) build -modfile=tools/go.mod -o bin/temporal-server go.temporal.io/server/cmd/server

bin/temporal-sql-tool: tools/go.mod tools/go.sum
	$(GO) build -modfile=tools/go.mod -o bin/temporal-sql-tool go.temporal.io/server/cmd/tools/sql

cluster: bin/temporal bin/temporal-server bin/temporal-sql-tool ## a production-like Temporal cluster: server v1.29.1, PostgreSQL, 4 service processes (TEMPORAL_STACK=cluster: tests on their own)
	scripts/cluster.sh start

cluster-stop: ## stop the cluster of make cluster (CLUSTER_DROP_DB=1 also drops its databases)
	scripts/cluster.sh stop

linters: bin/workflowcheck bin/staticcheck bin/errcheck ## build workflowcheck, staticcheck and errcheck from the module proxy

test: bin/temporal ## run every test (unit, integration, scenarios) on the real stack; faults: make chaos
	$(GO) test -count=1 -timeout 30m $$($(GO) list ./... | grep -v /internal/e2e/chaos)

chaos: bin/temporal ## fault tests (worker killed, Temporal restarted, DB down, ColorMe errors…); TEMPORAL_STACK=cluster: on a cluster of 4 services
	scripts/chaos.sh

FUZZTIME ?= 10s
fuzz: ## run each fuzz target for FUZZTIME (CSV importer, ColorMe decoder, settings parser)
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/shipcsv
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeSalesPage$$' -fuzztime $(FUZZTIME) ./internal/colorme
	$(GO) test -run '^$$' -fuzz '^FuzzApplySettings$$' -fuzztime $(FUZZTIME) ./starter

scenarios: bin/temporal ## run the scenario files of ../shared/scenarios (and $SCENARIO_DIR) and report each
	@set -o pipefail; $(GO) test -count=1 -run 'TestScenarios' -v ./internal/scenario \
	  | grep -E '^(PASS|FAIL)  |^      ' ; status=$${PIPESTATUS[0]}; \
	  if [ $$status -eq 0 ]; then echo "scenarios: all passed"; else echo "scenarios: FAILED"; fi; exit $$status

screenshots: bin/temporal ## run the console's browser test and save its screenshots into docs/screenshots (the pictures of docs/manual.ja.md, docs/console.md, docs/stock.md and docs/payment.md)
	SCREENSHOT_DIR=docs/screenshots $(GO) test -count=1 -run 'TestConsoleInBrowser|TestManualScreens|TestStaffReadJapanese|TestPaymentInBrowser|TestStockInBrowser|TestStockScopesInBrowser' ./internal/e2e/consoleflow

lint: linters ## go vet, staticcheck, errcheck (exclusions: tools/errcheck-excludes.txt), workflowcheck (workflow determinism), gofmt
	$(GO) vet ./...
	bin/staticcheck ./...
	bin/errcheck -exclude tools/errcheck-excludes.txt ./...
	bin/workflowcheck ./workflows/...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

monitoring-check: ## check deploy/: Prometheus config and alert rules (promtool, Debian package prometheus), the rules' unit tests, the Grafana dashboard
	promtool check config deploy/prometheus/prometheus.yml
	promtool check rules deploy/prometheus/rules.yml
	promtool test rules deploy/prometheus/rules_test.yml
	$(GO) test -count=1 -run 'TestDashboard' ./internal/metrics

RACE_PKGS := ./internal/rules ./internal/shipcsv ./internal/colorme ./internal/secrets ./internal/sandbox ./workflows ./activities
race: ## the unit packages under the race detector
	$(GO) test -count=1 -race $(RACE_PKGS)

demo: build bin/temporal ## run the embedded default: dev server + UI, sandbox, SQLite, worker, one export, console (~45 s; Ctrl-C stops it)
	scripts/demo.sh

BENCH_SIZE ?= full
bench: bin/temporal bin/temporal-server bin/temporal-sql-tool ## benchmarks on the real stack (rows 9–11 on a production-like cluster; TEMPORAL_STACK=cluster: rows 1–8 and 12–14 too): one table, also in bench/results.md (BENCH_SIZE=small|full)
	$(GO) run ./bench -size $(BENCH_SIZE)

clean: ## remove bin/ and the demo's state in .data/ (the next make rebuilds the Temporal CLI, ~5 min)
	rm -rf bin .data
