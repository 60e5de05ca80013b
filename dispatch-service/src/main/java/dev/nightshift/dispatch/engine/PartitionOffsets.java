package dev.nightshift.dispatch.engine;

import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

import org.springframework.kafka.support.Acknowledgment;

/**
 * The records of one partition this dispatcher holds, and how far it may commit: never past a record whose
 * work has not ended, so a crash loses nothing. Records end in any order; the offset commits only up to
 * the first that has not. Used from one thread only.
 */
final class PartitionOffsets {

    private final TreeMap<Long, Acknowledgment> held = new TreeMap<>();
    private final TreeMap<Long, Acknowledgment> ended = new TreeMap<>();

    void received(long offset, Acknowledgment ack) {
        held.put(offset, ack);
    }

    /**
     * @return the acknowledgment to call when the record's end lets the committed offset move: that of the
     *         last ended record before the first one still held
     */
    Optional<Acknowledgment> ended(long offset) {
        Acknowledgment ack = held.remove(offset);
        if (ack == null) {
            return Optional.empty();
        }
        ended.put(offset, ack);
        NavigableMap<Long, Acknowledgment> committable = held.isEmpty() ? ended : ended.headMap(held.firstKey(), false);
        if (committable.isEmpty()) {
            return Optional.empty();
        }
        Acknowledgment last = committable.lastEntry().getValue();
        committable.clear();
        return Optional.of(last);
    }

    /** Records received whose work has not ended. */
    int held() {
        return held.size();
    }
}
