package dev.nightshift.report.airtable;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.nightshift.events.AirtableOutput;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFile;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.TodoistTask;
import dev.nightshift.report.airtable.AirtableProperties;
import dev.nightshift.report.airtable.AirtableSink;
import dev.nightshift.report.sink.Limits;
import dev.nightshift.report.sink.Sink;
import dev.nightshift.report.target.TargetFault;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.json.JsonMapper;

/** The Airtable sink against a stand-in API: upserts on the run id, ten records to a request, faults. */
public class AirtableSinkTest {

    public static final String BASE = "appA1b2C3d4E5f6G7";
    private static final String PATH = "/v0/" + BASE + "/Content%20drafts";
    private static final WireMockServer airtable = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().http2PlainDisabled(true));
    private AirtableSink sink;

    @BeforeAll
    static void start() {
        airtable.start();
    }

    @AfterAll
    static void stop() {
        airtable.stop();
    }

    @BeforeEach
    void setUp() {
        airtable.resetAll();
        airtable.stubFor(patch(urlEqualTo(PATH)).willReturn(okJson("{\"records\":[],\"createdRecords\":[],\"updatedRecords\":[]}")));
        sink = new AirtableSink(RestClient.builder(), new AirtableProperties(URI.create(airtable.baseUrl() + "/v0"), "pat-token",
                new Limits(1000, Duration.ofSeconds(1), 2, Duration.ofMillis(200), Duration.ofSeconds(30), null)), new SimpleMeterRegistry());
    }

    @Test
    void finishedRunsAreUpsertedOnTheirRunIdWithTheDraftTheAgentWrote() {
        assertThat(sink.wants(run("run-0", RunStarted.newBuilder().setAdapter("claude").build()))).isFalse();
        sink.writeAll(List.of(finished("run-1"), finished("run-2")));

        airtable.verify(1, patchRequestedFor(urlEqualTo(PATH)));
        airtable.verify(patchRequestedFor(urlEqualTo(PATH))
                .withHeader("Authorization", equalTo("Bearer pat-token"))
                .withHeader("Content-Type", equalTo("application/json"))
                .withRequestBody(equalToJson("""
                        {"performUpsert":{"fieldsToMergeOn":["Nightshift run"]},"typecast":true,"records":[
                          {"fields":{"Title":"Post about Kafka","Body":"Kafka at night.\\n","Status":"Draft","Platform":"linkedin",
                                     "Cost":"0.0312","Nightshift run":"run-1"}},
                          {"fields":{"Title":"Post about Kafka","Body":"Kafka at night.\\n","Status":"Draft","Platform":"linkedin",
                                     "Cost":"0.0312","Nightshift run":"run-2"}}]}""")));
    }

    @Test
    void atMostTenRecordsGoInOneRequest() {
        sink.writeAll(IntStream.rangeClosed(1, 23).mapToObj(i -> finished("run-" + i)).toList());

        assertThat(airtable.findAll(patchRequestedFor(urlEqualTo(PATH)))).extracting(r -> records(r.getBodyAsString()))
                .containsExactly(10, 10, 3);
    }

    @Test
    void aRefusedRequestIsTriedRecordByRecordAndTheBadOneIsNamed() {
        airtable.stubFor(patch(urlEqualTo(PATH)).atPriority(1).withRequestBody(matchingJsonPath("$.records[?(@.fields['Nightshift run'] == 'run-bad')]"))
                .willReturn(aResponse().withStatus(422).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"type\":\"INVALID_MULTIPLE_CHOICE_OPTIONS\",\"message\":\"Insufficient permissions to create new select option\"}}")));

        assertThatThrownBy(() -> sink.writeAll(List.of(finished("run-a"), finished("run-bad"), finished("run-c"))))
                .isInstanceOfSatisfying(Sink.Unwritten.class, u -> {
                    assertThat(u.index()).isEqualTo(1);
                    assertThat(u.getCause()).isInstanceOf(TargetFault.Refused.class).hasMessageContaining("422");
                });
        // the batch of three, then one by one up to the bad one
        assertThat(airtable.findAll(patchRequestedFor(urlEqualTo(PATH)))).extracting(r -> records(r.getBodyAsString()))
                .containsExactly(3, 1, 1);
    }

    @Test
    void aRateLimitWaitsThirtySecondsAndNamesTheFirstRunNotWritten() {
        airtable.stubFor(patch(urlEqualTo(PATH)).atPriority(1).willReturn(aResponse().withStatus(429)
                .withHeader("Content-Type", "application/json").withBody("{\"errors\":[{\"error\":\"RATE_LIMIT_REACHED\"}]}")));

        assertThatThrownBy(() -> sink.writeAll(List.of(finished("run-1"), finished("run-2"))))
                .isInstanceOfSatisfying(Sink.Unwritten.class, u -> {
                    assertThat(u.index()).isZero();
                    assertThat(u.getCause()).isInstanceOfSatisfying(TargetFault.RateLimited.class,
                            limited -> assertThat(limited.waitFor()).isEqualTo(Duration.ofSeconds(30)));
                });
        airtable.verify(1, patchRequestedFor(urlEqualTo(PATH)));
    }

    public static RunEvent finished(String runId) {
        return run(runId, RunFinished.newBuilder().setOutcome(Outcome.SUCCEEDED).setSummary("Drafted.").setCostUsd(0.0312)
                .setDurationMillis(2_300).setFinalAttempt(true)
                .setFiles(List.of(RunFile.newBuilder().setName("draft.md").setSizeBytes(16).setContent("Kafka at night.\n").build()))
                .build());
    }

    static RunEvent run(String runId, Object body) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("Title", "{{title}}");
        fields.put("Body", "{{file:draft.md}}");
        fields.put("Status", "Draft");
        fields.put("Platform", "{{labels}}");
        fields.put("Cost", "{{cost}}");
        return RunEvent.newBuilder()
                .setTaskKey("todoist:6X7rM8997g3RQmvh")
                .setRunId(runId)
                .setAttempt(1)
                .setMaxAttempts(1)
                .setWorker("drafter")
                .setOccurredAt(Instant.parse("2026-11-22T09:00:00Z"))
                .setTask(TaskRef.newBuilder().setSource(Source.TODOIST).setSourceId("6X7rM8997g3RQmvh").setTitle("Post about Kafka")
                        .setLabels(List.of("linkedin"))
                        .setReference(TodoistTask.newBuilder().setId("6X7rM8997g3RQmvh").setProjectId("p").build()).build())
                .setOutputs(OutputSinks.of(List.of(AirtableOutput.newBuilder().setBase(BASE).setTable("Content drafts").setFields(fields).build())))
                .setBody(body)
                .build();
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The records in an upsert's body. */
    public static int records(String body) {
        return JSON.readTree(body).path("records").size();
    }
}
