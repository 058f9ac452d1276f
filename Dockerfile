# The care-plans app server (docs/deployment.md, section 9). Debian slim, the same Debian
# packages as `make run` (scripts/apt-deps.sh run), a non-root user, a health check.
FROM debian:bookworm-slim

ENV DEBIAN_FRONTEND=noninteractive PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY scripts/apt-deps.sh scripts/apt-deps.sh
RUN bash scripts/apt-deps.sh run && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md ./
COPY care_plans care_plans
RUN python3 -m venv /app/.venv && /app/.venv/bin/pip install --no-cache-dir --quiet .
COPY dashboard dashboard
COPY .streamlit/config.toml .streamlit/config.toml

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin care-plans \
    && mkdir -p /app/data && chown care-plans /app/data
USER care-plans
ENV PATH=/app/.venv/bin:$PATH \
    CARE_PLANS_SECRETS_FILE=/run/secrets/care-plans.toml

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]
CMD ["streamlit", "run", "dashboard/app.py", "--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
