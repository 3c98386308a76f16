# Newsdesk served by gunicorn + whitenoise, as a non-root user, configured by the environment:
#   docker build -t newsdesk . && docker run -e SECRET_KEY=… -e DATABASE_URL=… -e ALLOWED_HOSTS=… -p 8000:8000 newsdesk
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN useradd --create-home --uid 10001 newsdesk

COPY pyproject.toml ./
RUN pip install --upgrade pip && pip install .
COPY . .
# Keep 127.0.0.1 in ALLOWED_HOSTS: the health check below asks the app on that address.
# collectstatic needs a key to import settings; this one exists only during the build.
RUN SECRET_KEY=build-only-not-used-at-runtime python manage.py collectstatic --noinput -v0 \
    && mkdir -p /app/var && chown -R newsdesk:newsdesk /app/var

USER newsdesk
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn newsdesk.wsgi --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
