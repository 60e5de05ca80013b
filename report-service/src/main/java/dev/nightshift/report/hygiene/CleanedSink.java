package dev.nightshift.report.hygiene;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import dev.nightshift.events.RunEvent;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.report.sink.Sink;
import dev.nightshift.report.sink.SinkGate;

/**
 * A sink that is handed every run event cleaned ({@link RunEventHygiene}); everything else is its delegate's.
 * Report's context holds every sink only in this form ({@link HygieneConfiguration}), so whatever hands sinks
 * events (the listeners, the dead-letter replay) hands them clean ones. Every method of {@link Sink} is
 * forwarded here, defaults too ({@code CleanedSinkTest} fails on one that is not).
 */
public final class CleanedSink implements Sink {

    private final Sink sink;
    private final Supplier<RunEventHygiene> hygiene;

    public CleanedSink(Sink sink, Supplier<RunEventHygiene> hygiene) {
        this.sink = sink;
        this.hygiene = hygiene;
    }

    @Override
    public void write(RunEvent event) {
        sink.write(hygiene.get().clean(event));
    }

    @Override
    public void writeAll(List<RunEvent> events) {
        RunEventHygiene clean = hygiene.get();
        sink.writeAll(events.stream().map(clean::clean).toList());
    }

    @Override
    public String name() {
        return sink.name();
    }

    @Override
    public Optional<String> offBecause() {
        return sink.offBecause();
    }

    @Override
    public boolean wants(RunEvent event) {
        return sink.wants(event);
    }

    @Override
    public boolean writesInBatches() {
        return sink.writesInBatches();
    }

    @Override
    public boolean acknowledgesTasks() {
        return sink.acknowledgesTasks();
    }

    @Override
    public boolean wants(TaskEvent event) {
        return sink.wants(event);
    }

    @Override
    public void acknowledge(TaskEvent event) {
        sink.acknowledge(event);
    }

    @Override
    public void checkCredential() {
        sink.checkCredential();
    }

    @Override
    public SinkGate gate() {
        return sink.gate();
    }

    @Override
    public String group(String prefix) {
        return sink.group(prefix);
    }

    @Override
    public String toString() {
        return "cleaned " + sink;
    }
}
