package dev.nightshift.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.nightshift.events.AgentSpec;
import dev.nightshift.events.Budget;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.SandboxSpec;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.TodoistOutput;
import dev.nightshift.events.Topics;
import dev.nightshift.events.WorkerSpec;
import dev.nightshift.report.sink.SinkListeners;
import dev.nightshift.signing.RefusedRecord;
import dev.nightshift.testkit.RunEvents;
import dev.nightshift.testkit.TestSigningKey;
import dev.nightshift.testkit.TopicReader;
import dev.nightshift.testkit.TopicWriter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The broker carries no commands: records produced straight to nightshift.tasks and nightshift.runs by
 * anyone who reaches the broker, through the real services. Unsigned or mis-signed, they are parked with their
 * reason and counted, and nothing runs or is written back; signed, a task still gets no more than dispatch's
 * ceiling allows.
 */
@Timeout(180)
class RecordSigningTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static RunningNightshift nightshift;

    @BeforeAll
    static void start() {
        nightshift = RunningNightshift.get();
    }

    @Test
    void anUnsignedTaskAskingForCodexAndTheHostsNetworkIsParkedAndNothingRuns() throws Exception {
        double before = refused("dispatch", Topics.TASKS, "unsigned");
        String key = "api:forged-" + UUID.randomUUID();

        TopicWriter.sendUnsigned(Topics.TASKS, key, codexOnTheHostsNetwork(key));

        ConsumerRecord<String, Object> parked = awaitParked(Topics.deadLetters(Topics.TASKS), key);
        assertThat(reason(parked)).isEqualTo("unsigned");
        assertThat(parked.value()).isInstanceOfSatisfying(TaskEvent.class, e -> assertThat(e.getTaskKey()).isEqualTo(key));
        assertThat(TopicReader.valuesFor(Topics.RUNS, key)).as("run events of the forged task").isEmpty();
        assertThat(refused("dispatch", Topics.TASKS, "unsigned")).isEqualTo(before + 1);
    }

    @Test
    void aTaskSignedWithoutTheSecretOrWithAnUnknownKeyIsParkedAndNothingRuns() throws Exception {
        String forged = "api:forged-" + UUID.randomUUID();
        String unknown = "api:forged-" + UUID.randomUUID();

        TopicWriter.sendSignedWith(TestSigningKey.WRONG, Topics.TASKS, forged, codexOnTheHostsNetwork(forged));
        TopicWriter.sendSignedWith("someone-else:" + "s".repeat(40), Topics.TASKS, unknown, codexOnTheHostsNetwork(unknown));

        assertThat(reason(awaitParked(Topics.deadLetters(Topics.TASKS), forged))).isEqualTo("mis-signed");
        assertThat(reason(awaitParked(Topics.deadLetters(Topics.TASKS), unknown))).isEqualTo("unknown-key");
        assertThat(TopicReader.valuesFor(Topics.RUNS, forged)).isEmpty();
        assertThat(TopicReader.valuesFor(Topics.RUNS, unknown)).isEmpty();
    }

    @Test
    void aSignedTaskMovedToAnotherRecordKeyIsParked() throws Exception {
        String key = "api:moved-" + UUID.randomUUID();
        String other = "api:other-" + UUID.randomUUID();

        TopicWriter.send(Topics.TASKS, other, codexOnTheHostsNetwork(key));

        assertThat(reason(awaitParked(Topics.deadLetters(Topics.TASKS), other))).isEqualTo("key-mismatch");
        assertThat(TopicReader.valuesFor(Topics.RUNS, key)).isEmpty();
        assertThat(TopicReader.valuesFor(Topics.RUNS, other)).isEmpty();
    }

    @Test
    void aSignedTaskAskingForTheHostsNetworkIsRefusedByTheCeilingAndNoAgentStarts() throws Exception {
        String key = "api:host-" + UUID.randomUUID();
        TaskEvent event = codexOnTheHostsNetwork(key);
        ((TaskRequested) event.getBody()).getWorker().getAgent().setAdapter("claude");

        TopicWriter.send(Topics.TASKS, key, event);

        await().atMost(Duration.ofSeconds(60)).until(() -> !TopicReader.valuesFor(Topics.RUNS, key).isEmpty());
        List<Object> runs = TopicReader.valuesFor(Topics.RUNS, key);
        assertThat(runs).extracting(r -> ((RunEvent) r).getBody()).noneMatch(RunStarted.class::isInstance);
        assertThat(runs).extracting(r -> ((RunEvent) r).getBody()).singleElement().isInstanceOfSatisfying(RunFinished.class, f -> {
            assertThat(f.getOutcome()).isEqualTo(Outcome.FAILED);
            assertThat(f.getReason()).isEqualTo("network host is not allowed by nightshift.dispatch.ceiling.networks [NONE, ALLOWLIST]");
        });
    }

    @Test
    void anUnsignedRunEventWritesNothingBackAndIsParkedWhileASignedOneIsWritten() throws Exception {
        double before = refused("report", Topics.RUNS, "unsigned");
        String task = "C" + UUID.randomUUID().toString().replace("-", "").substring(0, 15);
        RunEvent finished = RunEvents.todoistRun(task, RunFinished.newBuilder().setOutcome(Outcome.SUCCEEDED)
                .setSummary("Posted by whoever reached the broker").setDurationMillis(1).setFinalAttempt(true).build());

        TopicWriter.sendUnsigned(Topics.RUNS, finished.getTaskKey(), finished);

        assertThat(reason(awaitParked(SinkListeners.deadLetters("todoist"), finished.getTaskKey()))).isEqualTo("unsigned");
        // Airtable's sink reads in batches: the refused event is parked by the same path with the same reason
        assertThat(reason(awaitParked(SinkListeners.deadLetters("airtable"), finished.getTaskKey()))).isEqualTo("unsigned");
        assertThat(requestsFor(task)).as("requests the stand-in Todoist got for the forged run").isEmpty();
        assertThat(refused("report", Topics.RUNS, "unsigned")).isGreaterThan(before);

        // the same event signed by a Nightshift service is written: the forged one was refused for its signature alone
        TopicWriter.send(Topics.RUNS, finished.getTaskKey(), finished);
        await().atMost(Duration.ofSeconds(30)).until(() -> !requestsFor(task).isEmpty());
        assertThat(requestsFor(task)).anyMatch(body -> body.contains("Posted by whoever reached the broker"));
    }

    /** What an attacker asks for: the agent that runs without approvals, with the host's network, no memory limit. */
    private static TaskEvent codexOnTheHostsNetwork(String key) {
        String id = key.substring(key.indexOf(':') + 1);
        return TaskEvent.newBuilder()
                .setTaskKey(key)
                .setEventId(UUID.randomUUID().toString())
                .setOccurredAt(Instant.now())
                .setTask(TaskRef.newBuilder().setSource(Source.API).setSourceId(id).setTitle("print env").build())
                .setBody(TaskRequested.newBuilder().setTaskVersion("1").setPrompt("print env").setWorker(WorkerSpec.newBuilder()
                        .setName("forged")
                        .setAgent(AgentSpec.newBuilder().setAdapter("codex").build())
                        .setBudget(Budget.newBuilder().setWallTimeMillis(Duration.ofMinutes(1).toMillis()).setMaxAttempts(1).build())
                        .setOutputs(OutputSinks.of(List.of()))
                        .setSandbox(SandboxSpec.newBuilder().setNetwork("host").build())
                        .build()).build())
                .build();
    }

    private static ConsumerRecord<String, Object> awaitParked(String deadLetters, String key) {
        return await().atMost(Duration.ofSeconds(60)).until(
                () -> TopicReader.readAll(deadLetters).stream().filter(r -> key.equals(r.key())).findFirst().orElse(null),
                r -> r != null);
    }

    private static String reason(ConsumerRecord<String, Object> parked) {
        Header reason = parked.headers().lastHeader(RefusedRecord.REASON_HEADER);
        return reason == null ? null : new String(reason.value(), StandardCharsets.UTF_8);
    }

    private static List<String> requestsFor(String task) {
        return nightshift.todoist.getAllServeEvents().stream().map(ServeEvent::getRequest)
                .filter(r -> r.getUrl().contains(task) || r.getBodyAsString().contains(task))
                .map(r -> r.getUrl() + " " + r.getBodyAsString())
                .toList();
    }

    /** The refusals counter of a service as Prometheus scrapes it (0 before the first refusal). */
    private static double refused(String service, String topic, String reason) throws Exception {
        int port = service.equals("dispatch") ? nightshift.services.dispatchPort() : nightshift.services.reportPort();
        String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("^nightshift_" + service + "_records_refused_total\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE).matcher(body);
        double total = 0;
        while (m.find()) {
            if (m.group(1).contains("reason=\"" + reason + "\"") && m.group(1).contains("topic=\"" + topic + "\"")) {
                total += Double.parseDouble(m.group(2));
            }
        }
        return total;
    }
}
