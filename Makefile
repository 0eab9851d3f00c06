# Shortcuts for the scripts; each does its own set-up (apt, pip) when needed.
.PHONY: run test bench mixin

run:
	scripts/run.sh

test:
	scripts/test.sh

bench:
	scripts/bench.sh

mixin:
	scripts/mixin.sh
