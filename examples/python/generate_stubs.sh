#!/bin/sh
# Regenerates leasehold/v1/lease_pb2*.py from the protocol's .proto, with Debian's
# python3-grpc-tools (apt-get install python3-grpc-tools;
# set PYTHON=/usr/bin/python3 if another python3 comes first on the PATH). Run after changing lease.proto.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
"${PYTHON:-python3}" -m grpc_tools.protoc -I"$here/../../lease-client/src/main/proto" \
  --python_out="$here" --grpc_python_out="$here" leasehold/v1/lease.proto
