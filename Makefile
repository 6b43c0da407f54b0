# Sellerflow: every entry point sets itself up (a virtual environment with the pinned-compatible
# dependencies of pyproject.toml) on a fresh machine with only Python 3.11+, make and the registries.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_ARGS ?=
PYTEST_ARGS ?=

.PHONY: help install lint format cfn-lint sam-validate test test-unit test-integration test-e2e demo sim bench cost clean openapi
.PHONY: web-config web-deploy

help:
	@echo "make demo        run the whole pipeline locally on demo sellers, then serve the API"
	@echo "make test        lint, cfn-lint and every test suite"
	@echo "make lint        ruff (lint + format check), mypy --strict, import-linter"
	@echo "make sam-validate  sam validate --lint (the SAM CLI in .venv-sam)"
	@echo "make openapi     regenerate docs/openapi.json and the API route table"
	@echo "make sim         the SP-API simulator alone"
	@echo "make bench       every benchmark (BENCH lines, docs/performance.md)"
	@echo "make cost        $$ per seller-month at 100, 1,000 and 10,000 orders/day (docs/cost.md)"
	@echo "make test-unit | test-integration | test-e2e"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	@# Each function's handler is its own module named `app`: check them one at a time. They share one
	@# cache (mypy re-checks a cached module whose path or hash differs, so each `app` is checked
	@# afresh while the layer is analysed once: ~20 s of CPU less per function).
	@for f in functions/*/app.py; do $(BIN)/mypy --cache-dir .mypy_cache/functions --follow-imports=silent $$f || exit 1; done

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

cfn-lint: install
	$(BIN)/cfn-lint template.yaml

# `sam validate --lint` with the SAM CLI in a virtual environment of its own: its pins (boto3, pydantic,
# click) differ from the project's. samconfig.toml turns on language extensions (Fn::ForEach).
SAM_VENV  ?= .venv-sam
SAM_STAMP := $(SAM_VENV)/.installed-stamp
$(SAM_STAMP):
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet "aws-sam-cli>=1.150,<2"
	@touch $(SAM_STAMP)

sam-validate: $(SAM_STAMP)
	SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam validate --lint --region us-east-1

# The suites run on every core (pytest-xdist): each e2e test starts its own stack on free ports.
PYTEST_WORKERS ?= auto
test: lint cfn-lint sam-validate
	$(BIN)/pytest -n $(PYTEST_WORKERS) tests/unit tests/integration tests/e2e $(PYTEST_ARGS)

test-unit: install
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

test-integration: install
	$(BIN)/pytest tests/integration $(PYTEST_ARGS)

test-e2e: install
	$(BIN)/pytest tests/e2e $(PYTEST_ARGS)

demo: install
	$(BIN)/sellerflow local demo $(DEMO_ARGS)

sim: install
	$(BIN)/sellerflow sim --port 8100 --sellers 3 --seed 7

# The OpenAPI 3 document of the whole API, from the Chalice app and its pydantic models, and the
# apps' route table (their routes registered at import; a family is imported on its first request).
openapi: install
	$(BIN)/python -m sellerflow_dev.openapi docs/openapi.json
	$(BIN)/python -m sellerflow_dev.route_table layers/sellerflow/sellerflow/api/route_table.py

bench: install
	$(BIN)/python -m sellerflow_dev.bench.run

cost: install
	$(BIN)/python -m sellerflow_dev.bench.cost

# The dashboard in AWS: config.json from the deployed stack's outputs, then web/ to the web bucket.
STACK  ?= sellerflow-dev
REGION ?= $(or $(AWS_REGION),$(shell aws configure get region 2>/dev/null))
STACK_OUTPUT = aws cloudformation describe-stacks --region $(REGION) --stack-name $(STACK) \
	--query "Stacks[0].Outputs[?OutputKey=='$(1)'].OutputValue" --output text
STACK_PARAMETER = aws cloudformation describe-stacks --region $(REGION) --stack-name $(STACK) \
	--query "Stacks[0].Parameters[?ParameterKey=='$(1)'].ParameterValue" --output text

web-config:
	@mkdir -p .aws-sam
	@printf '{"apiBase": "", "region": "%s", "userPoolId": "%s", "userPoolClientId": "%s", "cognitoEndpoint": "https://cognito-idp.%s.amazonaws.com/", "billing": %s}\n' \
		"$(REGION)" "$$($(call STACK_OUTPUT,UserPoolId))" "$$($(call STACK_OUTPUT,UserPoolClientId))" "$(REGION)" \
		"$$(test "$$($(call STACK_PARAMETER,Billing))" = on && echo true || echo false)" > .aws-sam/web-config.json
	@cat .aws-sam/web-config.json

web-deploy: web-config
	aws s3 sync web/ "s3://$$($(call STACK_OUTPUT,WebBucketName))/" --delete --exclude config.json
	aws s3 cp .aws-sam/web-config.json "s3://$$($(call STACK_OUTPUT,WebBucketName))/config.json" \
		--content-type application/json --cache-control no-cache
	aws cloudfront create-invalidation --distribution-id "$$($(call STACK_OUTPUT,WebDistributionId))" --paths '/*'

clean:
	rm -rf $(VENV) $(SAM_VENV) .pytest_cache .mypy_cache .ruff_cache .aws-sam
