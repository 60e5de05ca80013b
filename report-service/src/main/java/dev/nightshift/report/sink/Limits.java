package dev.nightshift.report.sink;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * How hard a sink may press its target, per credential (or per base, for Airtable).
 *
 * @param requests       at most this many requests per {@code period} ...
 * @param period         ... spaced evenly: one request per period/requests, so no window of one period
 *                       holds more than {@code requests}, as a sliding-window limit requires
 * @param attempts       tries of one call on a 5xx, a dropped connection or a short rate-limit wait
 * @param inCallWait     the longest wait the target may ask for that is waited out inside the call; a longer
 *                       one pauses the event's partition instead, so the consumer keeps polling
 * @param rateLimitWait  the wait when the target says "too many" without saying how long
 * @param sustained      a second, longer limit where the target has one (GitHub: 500 an hour), else null
 */
public record Limits(@Min(1) int requests, @NotNull Duration period, @Min(1) int attempts,
        @NotNull Duration inCallWait, @NotNull Duration rateLimitWait, @Valid Sustained sustained) {

    /**
     * At most {@code requests} in each {@code period}, counted in fixed cycles: choose a short period, since
     * a sliding window as long as W can see requests * (W / period + 1).
     */
    public record Sustained(@Min(1) int requests, @NotNull Duration period) {
    }

    /** The even spacing of requests. */
    public Duration spacing() {
        return period.dividedBy(requests);
    }
}
