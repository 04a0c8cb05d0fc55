package dev.leasehold.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SlidingWindowRefereeTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void admitsUpToTheLimitThenAnswers429() {
    SlidingWindowReferee referee = new SlidingWindowReferee(3, SECOND);
    assertThat(referee.arrive(0)).isTrue();
    assertThat(referee.arrive(10)).isTrue();
    assertThat(referee.arrive(20)).isTrue();
    assertThat(referee.arrive(30)).as("fourth in the window").isFalse();
    assertThat(referee.admitted()).isEqualTo(3);
    assertThat(referee.rejected()).isEqualTo(1);
  }

  @Test
  void windowIsClosedAtBothEnds() {
    SlidingWindowReferee referee = new SlidingWindowReferee(1, SECOND);
    assertThat(referee.arrive(0)).isTrue();
    assertThat(referee.arrive(SECOND)).as("exactly one window later: same closed window").isFalse();
    assertThat(referee.arrive(SECOND + 1)).as("just after the window").isTrue();
  }

  @Test
  void slidesRatherThanResetting() {
    SlidingWindowReferee referee = new SlidingWindowReferee(2, SECOND);
    assertThat(referee.arrive(900_000_000L)).isTrue();
    assertThat(referee.arrive(950_000_000L)).isTrue();
    // A fixed window would reset at 1 s and admit these; a sliding one does not.
    assertThat(referee.arrive(1_050_000_000L)).isFalse();
    assertThat(referee.arrive(1_900_000_001L)).as("the first left the window").isTrue();
  }

  @Test
  void rejectedRequestsUseNoQuotaButCountAsArrivals() {
    SlidingWindowReferee referee = new SlidingWindowReferee(2, SECOND);
    for (int i = 0; i < 5; i++) {
      referee.arrive(i);
    }
    assertThat(referee.admitted()).isEqualTo(2);
    assertThat(referee.rejected()).isEqualTo(3);
    assertThat(referee.busiestWindow()).as("what the fleet sent").isEqualTo(5);
    assertThat(referee.arrivedInLastWindow(10)).isEqualTo(5);
    assertThat(referee.arrivedInLastWindow(SECOND + 5)).isZero();
    assertThat(referee.arrive(SECOND + 2)).as("the admitted ones have left; the 429s never counted")
        .isTrue();
  }

  @Test
  void reportsAdmittedArrivalsAndGaps() {
    SlidingWindowReferee referee = new SlidingWindowReferee(100, SECOND);
    referee.arrive(100);
    referee.arrive(200);
    referee.arrive(900);
    assertThat(referee.admittedBetween(100, 900)).isEqualTo(2);
    assertThat(referee.longestGap(0, 1000)).isEqualTo(700);
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> new SlidingWindowReferee(0, SECOND))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
