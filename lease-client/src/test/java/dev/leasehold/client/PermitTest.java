package dev.leasehold.client;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PermitTest {
  @Test
  void refundIsBoundedAndHappensOnce() {
    Permit permit = new Permit(5, new HeldLease("a", 5, Long.MAX_VALUE, 0));
    assertThatThrownBy(() -> permit.refund(6)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unused must be between 0 and the 5 permits acquired, got 6");
    assertThatThrownBy(() -> permit.refund(-1)).isInstanceOf(IllegalArgumentException.class);
    permit.refund(2);
    assertThatThrownBy(() -> permit.refund(0)).isInstanceOf(IllegalStateException.class)
        .hasMessage("this permit was already refunded");
  }
}
