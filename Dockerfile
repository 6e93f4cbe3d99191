# The Luister image: one image for every role (workers, replay, crawlers);
# the role is the command given to the `luister` entrypoint.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Only what `pip install .` and the runtime need: the build does not change
# when tests or docs do, and nothing local (.env, .stack) leaks into the image.
COPY pyproject.toml README.md ./
COPY schemas/ schemas/
COPY processors/ processors/
COPY crawlers/ crawlers/
COPY pipeline/ pipeline/
# deploy/ carries the sample posts and search templates that commands read at run time.
COPY deploy/ deploy/

# The pip cache mount keeps the large dependencies (transformers, scrapy)
# between rebuilds without storing the cache in a layer.
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install . \
    && rm -rf build *.egg-info

# A fixed uid so volumes and Kubernetes securityContext can refer to it.
RUN useradd --system --uid 10001 --create-home --home-dir /home/luister luister
USER luister
# /app belongs to root: worker and source state go to the user's home (mount a volume there to keep it).
ENV LUISTER_WORKER__DATA_DIR=/home/luister/faust \
    LUISTER_SOURCES__STATE_DIR=/home/luister/sources

ENTRYPOINT ["luister"]
CMD ["--help"]
