# QueueServer: a drop-in replacement for beanstalkd 1.12, as an OCI image.
#
# The executable is published on the host first (NativeAOT: one native file of ~5 MB, invariant
# globalization), then copied in; the image build needs no SDK image or restore:
#   dotnet publish src/Queue.Server -c Release -r linux-x64 -p:DebugType=none -p:StripSymbols=true \
#     -p:InvariantGlobalization=true -p:PublishReferencesDocumentationFiles=false -o out/container/app
#   mkdir -p out/container/data
#   docker build -t queueserver .
#   docker run -d -p 11300:11300 -v queueserver-data:/data queueserver
# Offline (no registry reachable), tests/container/container-test.sh does all of this with podman,
# on a base image made from the host's libraries: --build-arg BASE_IMAGE=localhost/...
#
# No RUN instructions on purpose: the base may have no shell (chiseled or a FROM-scratch style base).
ARG BASE_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0
FROM ${BASE_IMAGE}

ENV DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
WORKDIR /app
COPY out/container/app/ /app/
# An empty directory owned by the app user: a new named or anonymous volume mounted on /data copies
# this ownership, so the non-root server can write its log there.
COPY --chown=1654:1654 out/container/data/ /data/
VOLUME /data

# 1654 = "app", the non-root user of Microsoft's .NET images (the offline base defines the same).
USER 1654
EXPOSE 11300
# The server handles SIGTERM (also as PID 1): it stops accepting, flushes, and exits 0.
STOPSIGNAL SIGTERM
# Probes the default port. If you run with another -p or -l, override it (--health-cmd).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/app/beanstalkd", "--health-check", "127.0.0.1", "11300"]

# Listens on 0.0.0.0:11300 unless -l/-p are given; persists jobs in the /data volume.
ENTRYPOINT ["/app/beanstalkd"]
CMD ["-b", "/data"]
