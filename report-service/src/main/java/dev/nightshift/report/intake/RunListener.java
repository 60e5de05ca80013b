package dev.nightshift.report.intake;

import java.util.List;

import dev.nightshift.events.RunEvent;
import dev.nightshift.events.Topics;
import dev.nightshift.report.ReportSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/** Consumes nightshift.runs and hands each event to the sinks its outputs name. */
@Component
class RunListener {

    private final List<ReportSink> sinks;
    private final MeterRegistry meters;

    RunListener(List<ReportSink> sinks, MeterRegistry meters) {
        this.sinks = sinks;
        this.meters = meters;
    }

    @KafkaListener(id = "report-runs", idIsGroup = false, topics = Topics.RUNS)
    void onRun(RunEvent event) {
        for (ReportSink sink : sinks) {
            if (sink.wants(event)) {
                sink.report(event);
                Counter.builder("nightshift.report.writes")
                        .description("Run events written back, by sink and event kind")
                        .tag("sink", sink.name())
                        .tag("kind", event.getBody().getClass().getSimpleName())
                        .register(meters)
                        .increment();
            }
        }
    }
}
