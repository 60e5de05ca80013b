package dev.nightshift.dispatch.engine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock a test moves by hand (Kafka's MockTime, for java.time). */
final class FakeClock extends Clock {

    private Instant now;

    FakeClock(Instant start) {
        this.now = start;
    }

    void set(Instant at) {
        if (at.isBefore(now)) {
            throw new IllegalArgumentException("time does not go back: " + at + " is before " + now);
        }
        now = at;
    }

    void advance(Duration d) {
        set(now.plus(d));
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the engine reads instants only");
    }
}
