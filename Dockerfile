# syntax=docker/dockerfile:1
# One image for the nine services, the phase command and the operator; the command selects which:
#   uvicorn services.<name>.app:build_app --factory --host 0.0.0.0 --port <port>
#   catalyst phase <pre_market_scan|market_open|monitor|market_close>
#   python -m catalyst.db.migrate
#   kopf run --standalone -m operator.main   (issue 14)
# TA-Lib 0.8.2 installs from its manylinux wheel (the C library inside), the native packages from theirs,
# so neither stage needs a compiler; the final stage holds only the venv and the code.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY requirements.txt requirements.lock ./
# torch: the CPU build (a CUDA build is several GB); the lock's torch==2.13.0 admits 2.13.0+cpu.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
 && pip install --prefer-binary --only-binary=TA-Lib -c requirements.lock -r requirements.txt
COPY pyproject.toml README.md ./
COPY libs ./libs
RUN pip install --no-deps .

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="catalyst" \
      org.opencontainers.image.description="Catalyst Trading System: services, phase command, operator" \
      org.opencontainers.image.source="https://github.com/catalyst-trading/catalyst"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    CATALYST_HOST=0.0.0.0 \
    CATALYST_MIGRATIONS_DIR=/app/db/migrations \
    RISK_PARAMETERS_FILE=/app/config/risk_parameters.yaml
RUN groupadd --system --gid 10001 catalyst \
 && useradd --system --uid 10001 --gid catalyst --home-dir /tmp --shell /usr/sbin/nologin catalyst
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=root:root . /app
USER 10001:10001
EXPOSE 5000 5001 5002 5003 5004 5005 5006 5008 5009
CMD ["catalyst", "--help"]
