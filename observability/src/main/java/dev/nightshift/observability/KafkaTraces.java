package dev.nightshift.observability;

import java.nio.charset.StandardCharsets;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * A trace carried across Kafka by hand, where a record's work outlives the listener call that received it
 * (a dispatch run goes on for minutes on its own thread, and its events leave in batched transactions):
 * a span continuing the trace a task record carries, and its context put in the headers of the records the
 * work writes (W3C {@code traceparent}), which the next service's listener observation continues.
 */
public final class KafkaTraces {

    private final Tracer tracer;
    private final Propagator propagator;

    public KafkaTraces(Tracer tracer, Propagator propagator) {
        this.tracer = tracer;
        this.propagator = propagator;
    }

    /** Traces nothing: where no tracer is configured. */
    public static KafkaTraces none() {
        return new KafkaTraces(Tracer.NOOP, Propagator.NOOP);
    }

    /** A started span continuing the trace these headers carry, or a new trace when they carry none. */
    public Span start(Headers origin, String name) {
        Span.Builder builder = origin == null ? tracer.spanBuilder() : propagator.extract(origin, (headers, key) -> {
            Header last = headers.lastHeader(key);
            return last == null ? null : new String(last.value(), StandardCharsets.UTF_8);
        });
        return builder.name(name).start();
    }

    /** Puts this span's context in the headers, in place of any there. */
    public void inject(Span span, Headers headers) {
        propagator.inject(span.context(), headers, (carrier, key, value) -> {
            carrier.remove(key);
            carrier.add(key, value.getBytes(StandardCharsets.UTF_8));
        });
    }
}
