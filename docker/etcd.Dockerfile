# etcd from the host (Debian's etcd-server package, /usr/bin/etcd) in the locally made base: no registry.
# Build context (made by harness/runtime/docker/image.ts from targets/etcd/cluster.ts):
#   Dockerfile, faketime/ (unused: libfaketime does not reach Go programs), etcd/etcd, etcd/lib/<what ldd lists>
# etcd runs through its own copy of the dynamic loader with its own libraries, so the base's C library (the
# host's, or Debian's in node:20-bookworm-slim) never has to match the one etcd was built against.
ARG BASE=node:20-bookworm-slim
FROM ${BASE}

COPY etcd/ /opt/etcd/
EXPOSE 2379 2380
ENTRYPOINT ["/opt/etcd/lib/ld-linux-x86-64.so.2", "--library-path", "/opt/etcd/lib", "/opt/etcd/etcd"]
