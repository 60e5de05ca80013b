package dev.nightshift.signing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Counts refused records: {@code nightshift.<service>.records.refused} by topic and reason, so an operator
 * sees someone writing to the topics who should not.
 */
public final class RecordRefusals {

    private final MeterRegistry meters;
    private final String name;

    /** @param service e.g. {@code dispatch} */
    public RecordRefusals(MeterRegistry meters, String service) {
        this.meters = meters;
        this.name = "nightshift." + service + ".records.refused";
    }

    public void count(String topic, RefusedRecord refused) {
        Counter.builder(name)
                .description("Records refused as unsigned, signed with a key not accepted, or mis-signed; parked, never obeyed")
                .tag("topic", topic)
                .tag("reason", refused.reason().tag())
                .register(meters)
                .increment();
    }

    /** The reason header a parked record gets when it was refused (none otherwise), for a dead-letter recoverer. */
    public static Headers reasonHeaders(Throwable failure) {
        RecordHeaders headers = new RecordHeaders();
        RefusedRecord.in(failure).ifPresent(r -> headers.add(RefusedRecord.REASON_HEADER, r.reason().tag().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return headers;
    }
}
