#!/usr/bin/env python3
"""A minimal Leasehold client in Python: any language with gRPC can lease quota.

It asks the allocator for a lease of a resource's permits, spends them locally (no network per
permit) before the lease's deadline, and returns the lease with the count it used, so the
unused permits go back to the fleet. The rules it follows are those of docs/protocol.md:

  * durations only: the deadline is measured on this process's monotonic clock from the
    moment the request was *sent*, shortened by a clock-drift margin;
  * a NotLeader answer names the leader to ask instead;
  * no lease comes with retry_after_ms: ask again no sooner than that.

Needs python3-grpcio and python3-protobuf (Debian: apt-get install python3-grpcio). The stubs in
leasehold/v1/ are generated from lease.proto by generate_stubs.sh.

Usage: lease_client.py --allocator HOST:PORT --resource NAME [--permits N] [--client-id ID]
The allocator endpoint of any replica will do; find the leader's in ZooKeeper at
/<namespace>/leader (a LeaderInfo message) or in the allocator's log.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402
from leasehold.v1 import lease_pb2, lease_pb2_grpc  # noqa: E402

# Stop spending this fraction of the ttl early: covers clock-rate drift between us and the
# allocator (docs/design.md, "Time"); the Java client uses the same idea.
DRIFT_MARGIN = 0.01
REQUEST_TIMEOUT_S = 2.0


class Leaser:
    """Talks to the allocator leader, following NotLeader redirects."""

    def __init__(self, endpoint, client_id):
        self.client_id = client_id
        self._connect(endpoint)

    def _connect(self, endpoint):
        self.endpoint = endpoint
        self.channel = grpc.insecure_channel(endpoint)
        # Connect before the first request: a lease's ttl runs from the moment the request is
        # sent, so a connection set up inside that request would eat the lease's life.
        grpc.channel_ready_future(self.channel).result(timeout=REQUEST_TIMEOUT_S)
        self.stub = lease_pb2_grpc.LeaseServiceStub(self.channel)

    def call(self, resource_request):
        """Sends one request; returns (response, monotonic time it was sent)."""
        request = lease_pb2.LeaseRequest(client_id=self.client_id, resources=[resource_request])
        for _ in range(3):
            sent_at = time.monotonic()
            response = self.stub.Lease(request, timeout=REQUEST_TIMEOUT_S)
            if not response.HasField("not_leader"):
                return response, sent_at
            leader = response.not_leader.leader_endpoint
            if not leader:
                raise RuntimeError("allocator %s does not lead and knows no leader" % self.endpoint)
            self.channel.close()
            self._connect(leader)
        raise RuntimeError("no allocator admitted to leading after 3 redirects")

    def close(self):
        self.channel.close()


def lease(leaser, resource, permits, give_up_after_s=10.0):
    """Asks until a lease arrives; returns (lease, local deadline on the monotonic clock)."""
    give_up = time.monotonic() + give_up_after_s
    while True:
        response, sent_at = leaser.call(
            lease_pb2.ResourceRequest(resource=resource, wanted=permits, min_permits=1))
        grant = response.grants[0]
        if grant.HasField("lease"):
            ttl_s = grant.lease.ttl_ms / 1000.0
            return grant.lease, sent_at + ttl_s * (1 - DRIFT_MARGIN)
        wait_s = max(grant.retry_after_ms, 1) / 1000.0
        if time.monotonic() + wait_s > give_up:
            raise RuntimeError("no lease of %r within %.0f s" % (resource, give_up_after_s))
        time.sleep(wait_s)


def give_back(leaser, resource, lease_id, used):
    """Returns the lease with the number of permits spent; wanted=0 asks for nothing new."""
    leaser.call(lease_pb2.ResourceRequest(
        resource=resource, wanted=0,
        returns=[lease_pb2.LeaseReturn(lease_id=lease_id, used=used)]))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Lease permits from a Leasehold allocator.")
    parser.add_argument("--allocator", required=True, help="HOST:PORT of an allocator replica")
    parser.add_argument("--resource", required=True, help="resource name, e.g. openai")
    parser.add_argument("--permits", type=int, default=5, help="permits to ask for (default 5)")
    parser.add_argument("--client-id", default="python-%d" % os.getpid())
    args = parser.parse_args(argv)
    if args.permits < 1:
        parser.error("--permits must be at least 1")

    leaser = Leaser(args.allocator, args.client_id)
    try:
        granted, deadline = lease(leaser, args.resource, args.permits)
        used = 0
        # Spend locally: one permit per call to the provider, no network to the allocator.
        while used < granted.permits and time.monotonic() < deadline:
            used += 1  # ... call the rate-limited provider here ...
        give_back(leaser, args.resource, granted.lease_id, used)
        print(json.dumps({"leader": leaser.endpoint, "lease_id": granted.lease_id,
                          "epoch": granted.epoch, "permits": granted.permits,
                          "ttl_ms": granted.ttl_ms, "used": used, "returned": True}))
    except grpc.RpcError as e:
        print("lease_client: %s: %s" % (e.code().name, e.details()), file=sys.stderr)
        return 1
    except RuntimeError as e:
        print("lease_client: %s" % e, file=sys.stderr)
        return 1
    finally:
        leaser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
