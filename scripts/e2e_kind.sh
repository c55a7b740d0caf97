#!/usr/bin/env bash
# make e2e-kind: install the chart on a throw-away kind cluster and run `helm test` (needs Docker, kind,
# kubectl and helm on the PATH; not part of CI, which has no Docker engine). The cluster is deleted after.
set -euo pipefail
CLUSTER=${KIND_CLUSTER:-catalyst-e2e}
IMAGE=ghcr.io/catalyst-trading/catalyst:e2e
cleanup() { kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true; }
trap cleanup EXIT
kind create cluster --name "$CLUSTER" --wait 120s
docker build -t "$IMAGE" .
kind load docker-image "$IMAGE" --name "$CLUSTER"
kubectl create namespace catalyst
# kind has no Traefik and no Prometheus Operator: the ingress is off, the monitoring objects never rendered.
helm install catalyst charts/catalyst -n catalyst --wait --timeout 10m \
  --set image.tag=e2e --set image.pullPolicy=Never --set postgresql.enabled=true \
  --set ingress.enabled=false --set monitoring.prometheusOperator=never --set environment=test
helm test catalyst -n catalyst --logs
