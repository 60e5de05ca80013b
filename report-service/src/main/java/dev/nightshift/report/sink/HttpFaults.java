package dev.nightshift.report.sink;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

import dev.nightshift.report.target.TargetFault;
import org.springframework.http.HttpHeaders;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClientException;
import org.springframework.web.client.RestClientResponseException;

/**
 * Turns an HTTP failure into a {@link TargetFault}, the same way for every REST target: 429 (and a 403 that
 * carries rate-limit headers, as GitHub sends) waits as long as {@code Retry-After} or the rate-limit reset
 * says; 401/403 is the credential; 5xx and I/O errors are the target being away; any other 4xx is a refusal.
 */
public final class HttpFaults {

    private HttpFaults() {
    }

    public static TargetFault classify(String what, RestClientException e, Limits limits, Instant now) {
        if (e instanceof ResourceAccessException) {
            return new TargetFault.Unavailable(what + ": " + e.getMessage(), e);
        }
        if (!(e instanceof RestClientResponseException response)) {
            return new TargetFault.Refused(what + ": " + e.getMessage(), e);
        }
        int status = response.getStatusCode().value();
        HttpHeaders headers = response.getResponseHeaders() == null ? new HttpHeaders() : response.getResponseHeaders();
        String said = what + " answered " + status + brief(response.getResponseBodyAsString());
        boolean limited = status == 429 || (status == 403 && (headers.containsHeader(HttpHeaders.RETRY_AFTER)
                || "0".equals(headers.getFirst("x-ratelimit-remaining"))));
        if (limited) {
            return new TargetFault.RateLimited(said, waitFor(headers, limits, now), e);
        }
        if (status == 401 || status == 403) {
            return new TargetFault.CredentialRejected(said, e);
        }
        if (status >= 500 || status == 408) {
            return new TargetFault.Unavailable(said, e);
        }
        return new TargetFault.Refused(said, e);
    }

    /** Retry-After (seconds or an HTTP date), else a rate-limit reset (epoch seconds, or milliseconds), else the default. */
    static Duration waitFor(HttpHeaders headers, Limits limits, Instant now) {
        String retryAfter = headers.getFirst(HttpHeaders.RETRY_AFTER);
        if (retryAfter != null) {
            try {
                return atLeastZero(Duration.ofSeconds(Long.parseLong(retryAfter.strip())));
            } catch (NumberFormatException notSeconds) {
                try {
                    return atLeastZero(Duration.between(now, ZonedDateTime.parse(retryAfter.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant()));
                } catch (DateTimeParseException neither) {
                    // an unreadable Retry-After: fall through to the other hints
                }
            }
        }
        for (String reset : new String[] {"x-ratelimit-reset", "x-ratelimit-requests-reset"}) {
            String value = headers.getFirst(reset);
            if (value != null && value.strip().matches("\\d{1,15}")) {
                long epoch = Long.parseLong(value.strip());
                Instant at = epoch > 100_000_000_000L ? Instant.ofEpochMilli(epoch) : Instant.ofEpochSecond(epoch);
                return atLeastZero(Duration.between(now, at));
            }
        }
        return limits.rateLimitWait();
    }

    private static Duration atLeastZero(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }

    private static String brief(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String line = body.strip().replaceAll("\\s+", " ");
        return ": " + (line.length() > 300 ? line.substring(0, 300) + "…" : line);
    }
}
