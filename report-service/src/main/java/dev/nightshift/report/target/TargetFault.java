package dev.nightshift.report.target;

import java.time.Duration;
import java.util.Optional;

/**
 * How a call to a target failed, which decides what happens next: wait and retry, retry with backoff,
 * pause the sink until its credential works, or park the event with the reason.
 */
public abstract sealed class TargetFault extends RuntimeException {

    private TargetFault(String message, Throwable cause) {
        super(message, cause);
    }

    /** The target asked us to wait (429, or a rate-limit 403): retried after {@link #wait}, never parked. */
    public static final class RateLimited extends TargetFault {
        private final Duration wait;

        public RateLimited(String message, Duration wait, Throwable cause) {
            super(message, cause);
            this.wait = wait;
        }

        public Duration waitFor() {
            return wait;
        }
    }

    /** A 5xx, a timeout or a dropped connection: retried with backoff, parked when it lasts. */
    public static final class Unavailable extends TargetFault {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** 401 or 403: every write with this credential would fail the same way; the sink pauses until it works. */
    public static final class CredentialRejected extends TargetFault {
        public CredentialRejected(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Any other refusal (a deleted issue, a bad request): retrying will not help; parked at once with the reason. */
    public static final class Refused extends TargetFault {
        public Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The fault behind an exception a listener container wrapped, if there is one. */
    public static Optional<TargetFault> in(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TargetFault fault) {
                return Optional.of(fault);
            }
        }
        return Optional.empty();
    }
}
