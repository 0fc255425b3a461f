FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY service ./service
COPY retention ./retention
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /app archive

USER archive
EXPOSE 8000
# Production: the stores come from MONGODB_URI / S3_ENDPOINT; nothing embedded is started.
CMD ["python", "-m", "service", "serve"]
