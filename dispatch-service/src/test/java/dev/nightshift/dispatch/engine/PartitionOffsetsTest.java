package dev.nightshift.dispatch.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.kafka.support.Acknowledgment;

/** Offsets commit only up to the first record whose work has not ended. */
class PartitionOffsetsTest {

    private final List<Long> committed = new ArrayList<>();
    private final PartitionOffsets offsets = new PartitionOffsets();

    @Test
    void aRecordEndingBeforeAnEarlierOneCommitsNothingUntilTheEarlierEnds() {
        receive(10, 11, 12);
        end(11);
        assertThat(committed).isEmpty();
        end(12);
        assertThat(committed).isEmpty();
        end(10);
        assertThat(committed).containsExactly(12L); // acknowledging 12 commits 13: all three ended
        assertThat(offsets.held()).isZero();
    }

    @Test
    void inOrderEndsCommitOneByOne() {
        receive(0, 1);
        end(0);
        end(1);
        assertThat(committed).containsExactly(0L, 1L);
    }

    @Test
    void aLongRunHoldsTheCommitWhileLaterRecordsEnd() {
        receive(5, 6, 7, 8);
        end(6);
        end(7);
        end(8);
        assertThat(committed).isEmpty();
        assertThat(offsets.held()).isEqualTo(1);
        receive(9);
        end(5);
        assertThat(committed).containsExactly(8L);
        end(9);
        assertThat(committed).containsExactly(8L, 9L);
    }

    @Test
    void anUnknownOrRepeatedEndChangesNothing() {
        receive(3);
        end(4);
        end(3);
        end(3);
        assertThat(committed).containsExactly(3L);
    }

    private void receive(long... offsetsReceived) {
        for (long o : offsetsReceived) {
            offsets.received(o, ack(o));
        }
    }

    private void end(long offset) {
        offsets.ended(offset).ifPresent(Acknowledgment::acknowledge);
    }

    private Acknowledgment ack(long offset) {
        return () -> committed.add(offset);
    }
}
