package dev.nightshift.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock a test moves by hand (Kafka's MockTime, for java.time); its views in other zones move with it. */
public final class FakeClock extends Clock {

    private final Moment now;
    private final ZoneId zone;

    public FakeClock(Instant start) {
        this(new Moment(start), ZoneOffset.UTC);
    }

    private FakeClock(Moment now, ZoneId zone) {
        this.now = now;
        this.zone = zone;
    }

    public void set(Instant at) {
        if (at.isBefore(now.at)) {
            throw new IllegalArgumentException("time does not go back: " + at + " is before " + now.at);
        }
        now.at = at;
    }

    public void advance(Duration d) {
        set(now.at.plus(d));
    }

    @Override
    public Instant instant() {
        return now.at;
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return new FakeClock(now, zone);
    }

    /** The time all views of one clock share. */
    private static final class Moment {
        volatile Instant at;

        Moment(Instant at) {
            this.at = at;
        }
    }
}
