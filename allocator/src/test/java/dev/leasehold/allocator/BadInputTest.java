package dev.leasehold.allocator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.leasehold.client.LeaseholdClient;
import dev.leasehold.client.LeaseholdException;
import dev.leasehold.client.QuotaLimiter;
import dev.leasehold.proto.v1.LeaseRequest;
import dev.leasehold.proto.v1.LeaseResponse;
import dev.leasehold.proto.v1.LeaseReturn;
import dev.leasehold.proto.v1.LeaseServiceGrpc;
import dev.leasehold.proto.v1.ResourceRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every kind of bad input gets a clear error, and loses nothing. */
class BadInputTest {
  private static TestingServer zookeeper;
  private static Allocator leader;
  private static Allocator standby;
  private static ManagedChannel channel;
  private static LeaseServiceGrpc.LeaseServiceBlockingStub stub;

  @BeforeAll
  static void start() throws Exception {
    zookeeper = new TestingServer(true);
    leader = allocator();
    leader.start();
    await().atMost(Duration.ofSeconds(20)).until(leader::isLeader);
    standby = allocator();
    standby.start();
    channel = NettyChannelBuilder.forTarget(leader.endpoint()).usePlaintext().build();
    stub = LeaseServiceGrpc.newBlockingStub(channel);
  }

  private static Allocator allocator() {
    return Allocator.builder().zookeeper(zookeeper.getConnectString()).namespace("bad")
        .resource(ResourceConfig.builder("api").limit(Limit.perSecond(20))
            .maxLeasePermits(5).leaseTtl(Duration.ofMillis(200)).build())
        .build();
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow();
    standby.close();
    leader.close();
    zookeeper.close();
  }

  private static LeaseholdClient client() {
    return LeaseholdClient.builder().zookeeper(zookeeper.getConnectString()).namespace("bad")
        .build();
  }

  @Test
  void unknownResourceIsRejectedWithTheKnownOnes() {
    try (LeaseholdClient client = client()) {
      assertThatThrownBy(() -> client.limiter("openai"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("resource 'openai' is not configured on the allocator; known: [api]");
    }
  }

  @Test
  void permitsOutOfRangeAreRejected() {
    try (LeaseholdClient client = client()) {
      QuotaLimiter api = client.limiter("api");
      assertThatThrownBy(() -> api.tryAcquire(0))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("permits must be > 0, got 0");
      assertThatThrownBy(() -> api.acquire(-3))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("permits must be > 0, got -3");
      assertThatThrownBy(() -> api.tryAcquire(21, Duration.ofSeconds(1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("permits (21) exceed the tightest limit of 'api' (20)");
    }
  }

  @Test
  void unreachableZooKeeperFailsWithinTheConnectionTimeout() {
    assertThatThrownBy(() -> LeaseholdClient.builder().zookeeper("127.0.0.1:1")
            .connectionTimeout(Duration.ofSeconds(1)).build())
        .isInstanceOf(LeaseholdException.class)
        .hasMessageContaining("could not connect to ZooKeeper at '127.0.0.1:1' within 1000 ms");
    Allocator unreachable = Allocator.builder().zookeeper("127.0.0.1:1")
        .connectionTimeout(Duration.ofSeconds(1)).limit("api", Limit.perSecond(1)).build();
    assertThatThrownBy(unreachable::start)
        .isInstanceOf(LeaseholdException.class)
        .hasMessageContaining("could not connect to ZooKeeper at '127.0.0.1:1'");
  }

  @Test
  void namespaceWithoutAllocatorFailsWithAHint() {
    try (LeaseholdClient client = LeaseholdClient.builder()
        .zookeeper(zookeeper.getConnectString()).namespace("nobody-here")
        .connectionTimeout(Duration.ofSeconds(1)).build()) {
      assertThatThrownBy(() -> client.limiter("api"))
          .isInstanceOf(LeaseholdException.class)
          .hasMessageContaining("no allocator answered for resource 'api' in namespace 'nobody-here'")
          .hasMessageContaining("java -jar leasehold-allocator.jar");
    }
  }

  @Test
  void malformedRequestsGetInvalidArgumentNamingTheField() {
    assertRejected(LeaseRequest.newBuilder().addResources(want("api", 1)).build(),
        Status.Code.INVALID_ARGUMENT, "client_id must be");
    assertRejected(LeaseRequest.newBuilder().setClientId("c").build(),
        Status.Code.INVALID_ARGUMENT, "resources must name at least one resource");
    assertRejected(request(want("api", -1)), Status.Code.INVALID_ARGUMENT,
        "resources[0].wanted must be >= 0, got -1");
    assertRejected(request(want("api", 1).setMinPermits(21)), Status.Code.INVALID_ARGUMENT,
        "resources[0].min_permits must be between 0 and the tightest limit of 'api' (20), got 21");
    assertRejected(request(want("api", 1), want("api", 1)), Status.Code.INVALID_ARGUMENT,
        "resources[1].resource 'api' appears twice");
    assertRejected(request(want("api", 0).addReturns(LeaseReturn.newBuilder().setUsed(1))),
        Status.Code.INVALID_ARGUMENT, "resources[0].returns[0].lease_id must not be empty");
    assertRejected(request(want("api", 0).addReturns(
            LeaseReturn.newBuilder().setLeaseId("x").setUsed(-1))),
        Status.Code.INVALID_ARGUMENT, "resources[0].returns[0].used must be >= 0, got -1");
    assertRejected(request(want("nope", 1)), Status.Code.NOT_FOUND,
        "resource 'nope' is not configured on the allocator; known: [api]");
  }

  @Test
  void returnClaimingMoreThanTheLeaseIsRejectedAndTheLeaseStaysCharged() {
    LeaseResponse granted = awaitLease("overclaimer");
    String id = granted.getGrants(0).getLease().getLeaseId();
    long permits = granted.getGrants(0).getLease().getPermits();
    assertRejected(request("overclaimer", want("api", 0).addReturns(
            LeaseReturn.newBuilder().setLeaseId(id).setUsed(permits + 1))),
        Status.Code.INVALID_ARGUMENT, "used (" + (permits + 1) + ") exceeds the permits of lease");
  }

  @Test
  void standbyAnswersNotLeaderWithTheLeadersEndpoint() {
    ManagedChannel toStandby = NettyChannelBuilder.forTarget(standby.endpoint()).usePlaintext()
        .build();
    try {
      LeaseResponse response = LeaseServiceGrpc.newBlockingStub(toStandby)
          .lease(request(want("api", 1)));
      assertThat(response.hasNotLeader()).isTrue();
      assertThat(response.getNotLeader().getLeaderEndpoint()).isEqualTo(leader.endpoint());
      assertThat(response.getGrantsCount()).isZero();
    } finally {
      toStandby.shutdownNow();
    }
  }

  @Test
  void leasesNeverReturnedFlowBackAfterTheirTtlAndTheWindow() {
    // A client takes leases until the window is full, then vanishes without returning them.
    String hoarder = "hoarder";
    long taken = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (taken < 20 && System.nanoTime() < deadline) {
      LeaseResponse r = stub.lease(request(hoarder, want("api", 5)));
      taken += r.getGrants(0).getLease().getPermits();
    }
    assertThat(taken).as("permits taken by the hoarder").isLessThanOrEqualTo(20);
    // Another client gets permits again once the hoarder's leases ended and left the window.
    awaitLease("patient");
  }

  private static LeaseResponse awaitLease(String clientId) {
    LeaseResponse[] last = new LeaseResponse[1];
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
      last[0] = stub.lease(request(clientId, want("api", 5)));
      return last[0].getGrants(0).hasLease();
    });
    return last[0];
  }

  private static ResourceRequest.Builder want(String resource, long wanted) {
    return ResourceRequest.newBuilder().setResource(resource).setWanted(wanted);
  }

  private static LeaseRequest request(ResourceRequest.Builder... resources) {
    return request("tester", resources);
  }

  private static LeaseRequest request(String clientId, ResourceRequest.Builder... resources) {
    LeaseRequest.Builder b = LeaseRequest.newBuilder().setClientId(clientId);
    for (ResourceRequest.Builder r : resources) {
      b.addResources(r);
    }
    return b.build();
  }

  private static void assertRejected(LeaseRequest request, Status.Code code, String message) {
    assertThatThrownBy(() -> stub.lease(request))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(code);
          assertThat(e.getStatus().getDescription()).contains(message);
        });
  }
}
