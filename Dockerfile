# m8flow gateway: the Camunda 7 REST API on port 8080.
#   docker build -t m8flow . && docker run -p 8080:8080 m8flow
# SQLite lives in /data by default; point M8FLOW_DATABASE_URL at PostgreSQL for production
# (postgresql+psycopg://user:password@host:5432/db) and run several containers against it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    M8FLOW_DATABASE_URL=sqlite:////data/m8flow.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY compat_api ./compat_api
COPY engine ./engine
COPY migrate ./migrate
COPY forms ./forms
RUN pip install --no-cache-dir . \
    && useradd --system --uid 1000 m8flow \
    && mkdir -p /data && chown m8flow /data

USER m8flow
VOLUME /data
EXPOSE 8080
CMD ["m8flow", "serve", "--host", "0.0.0.0", "--port", "8080"]
