package dev.nightshift.report.sink;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import dev.nightshift.report.target.TargetFault;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a sink may call its target: closed when the target rejected the credential (401/403), so the
 * events wait instead of all failing the same way, and opened again when a check call passes.
 */
public final class SinkGate {

    private static final Logger log = LoggerFactory.getLogger(SinkGate.class);

    private final String sink;
    private final String credentialSetting;
    private final AtomicReference<String> closedBecause = new AtomicReference<>();

    public SinkGate(String sink, String credentialSetting, MeterRegistry meters) {
        this.sink = sink;
        this.credentialSetting = credentialSetting;
        Gauge.builder("nightshift.report.sink.paused", this, g -> g.closedBecause().isPresent() ? 1 : 0)
                .description("1 while a sink waits for its credential to work again")
                .tag("sink", sink)
                .register(meters);
    }

    public String sink() {
        return sink;
    }

    public Optional<String> closedBecause() {
        return Optional.ofNullable(closedBecause.get());
    }

    /** Closes the gate; logs once per closing, not once per event. */
    public void close(String why) {
        if (closedBecause.compareAndSet(null, why)) {
            log.error("the {} sink is paused: {}. Check {}; writing resumes by itself once it works.", sink, why, credentialSetting);
        }
    }

    public void open() {
        String was = closedBecause.getAndSet(null);
        if (was != null) {
            log.info("the {} sink resumes: its credential works again", sink);
        }
    }

    /** Throws instead of calling while closed. */
    void check(String what) {
        String why = closedBecause.get();
        if (why != null) {
            throw new TargetFault.CredentialRejected(what + " not sent: the " + sink + " sink is paused (" + why + ")", null);
        }
    }
}
