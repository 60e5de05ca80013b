package dev.nightshift.ingest.api;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.nightshift.events.Source;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.TaskRef;
import dev.nightshift.ingest.IngestProperties;
import dev.nightshift.ingest.ledger.LedgerLookup;
import dev.nightshift.ingest.publish.TaskPublisher;
import dev.nightshift.ingest.limit.RunLimiter;
import dev.nightshift.ingest.routing.TaskRequests;
import dev.nightshift.ingest.routing.Worker;
import dev.nightshift.ingest.routing.WorkerCatalogue;
import dev.nightshift.ingest.webhook.RawBody;
import dev.nightshift.ingest.webhook.WebhookMetrics;
import dev.nightshift.ingest.webhook.WebhookRejected;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The task API for scripts and other systems: {@code POST /api/tasks} runs a named worker on a title and
 * a body; {@code GET /api/tasks/{key}} tells where the task's versions stand. Both need the bearer token.
 */
@RestController
public class TaskApiController {

    /** An API task is asked for once: its one version. */
    static final String VERSION = "request";
    private static final Logger log = LoggerFactory.getLogger(TaskApiController.class);
    // strict: a misspelt field is a 400 naming it, not a silently missing value
    private static final JsonMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private final ApiProperties api;
    private final IngestProperties ingest;
    private final WorkerCatalogue catalogue;
    private final RunLimiter publisher;
    private final TaskPublisher published;
    private final LedgerLookup ledger;
    private final Validator validator;
    private final WebhookMetrics metrics;

    public TaskApiController(ApiProperties api, IngestProperties ingest, WorkerCatalogue catalogue, RunLimiter publisher,
            TaskPublisher published, LedgerLookup ledger, Validator validator, WebhookMetrics metrics) {
        this.api = api;
        this.ingest = ingest;
        this.catalogue = catalogue;
        this.publisher = publisher;
        this.published = published;
        this.ledger = ledger;
        this.validator = validator;
        this.metrics = metrics;
    }

    @PostMapping("/api/tasks")
    public ResponseEntity<TaskAccepted> create(@RequestHeader(value = HttpHeaders.AUTHORIZATION, required = false) String authorization,
            HttpServletRequest request) throws IOException {
        try {
            ResponseEntity<TaskAccepted> answer = publish(authorization, request);
            metrics.count("api", answer.getBody().result());
            return answer;
        } catch (WebhookRejected e) {
            metrics.count("api", e.reason());
            throw e;
        }
    }

    private ResponseEntity<TaskAccepted> publish(String authorization, HttpServletRequest request) throws IOException {
        authorize(authorization);
        NewTask task = read(RawBody.read(request, ingest.maxBodyBytes()));
        Worker worker = catalogue.workers().stream().filter(w -> w.name().equals(task.worker())).findFirst()
                .orElseThrow(() -> WebhookRejected.malformed("worker: no worker is called '" + task.worker() + "' (workers: "
                        + catalogue.workers().stream().map(Worker::name).collect(Collectors.joining(", ")) + ")"));
        String id = task.idempotencyKey() != null ? task.idempotencyKey() : UUID.randomUUID().toString();
        String taskKey = "api:" + id;
        TaskRef ref = TaskRef.newBuilder()
                .setSource(Source.API)
                .setSourceId(id)
                .setTitle(task.title())
                .setDescription(task.body() == null ? "" : task.body())
                .build();
        TaskEvent event = TaskRequests.requested(taskKey, ref, VERSION, worker, taskKey, Instant.now());
        // the token is one caller: its requests are one author's
        RunLimiter.Result outcome = publisher.publish("api", event, worker, "api-token");
        if (outcome instanceof RunLimiter.Result.Capped capped) {
            throw new WebhookRejected(HttpStatus.TOO_MANY_REQUESTS, "capped", capped.reason());
        }
        boolean published = outcome instanceof RunLimiter.Result.Published;
        if (published) {
            log.debug("published {}: API request, worker {}", taskKey, worker.name());
        }
        return ResponseEntity.status(published ? HttpStatus.ACCEPTED : HttpStatus.OK)
                .location(URI.create("/api/tasks/" + taskKey))
                .body(new TaskAccepted(published ? "published" : "duplicate", taskKey, VERSION));
    }

    @GetMapping("/api/tasks/{key}")
    public TaskStatus status(@RequestHeader(value = HttpHeaders.AUTHORIZATION, required = false) String authorization,
            @PathVariable String key) {
        authorize(authorization);
        List<TaskStatus.Version> versions = new ArrayList<>();
        List<TaskLedgerEntry> entries = ledger.entries(key);
        for (TaskLedgerEntry e : entries) {
            versions.add(new TaskStatus.Version(e.getTaskVersion(), e.getState().name(), e.getAttempt(), e.getMaxAttempts(), e.getRunId(),
                    e.getNextAttemptAt(), e.getCancelRequested(), e.getUpdatedAt()));
        }
        Set<String> taken = entries.stream().map(TaskLedgerEntry::getTaskVersion).collect(Collectors.toSet());
        for (String version : published.publishedVersions(key)) {
            if (!taken.contains(version)) {
                versions.add(new TaskStatus.Version(version, TaskStatus.ACCEPTED, 0, null, null, null, false, null));
            }
        }
        if (versions.isEmpty()) {
            throw new WebhookRejected(HttpStatus.NOT_FOUND, "unknown_task", "no task '" + key + "' is on dispatch's ledger, nor published lately by this replica");
        }
        versions.sort(Comparator.comparing(TaskStatus.Version::version));
        return new TaskStatus(key, versions);
    }

    private void authorize(String authorization) {
        if (!api.enabled()) {
            throw new WebhookRejected(HttpStatus.NOT_FOUND, "disabled",
                    "the task API is off: nightshift.ingest.api.token (NIGHTSHIFT_API_TOKEN) is not set");
        }
        byte[] expected = ("Bearer " + api.token()).getBytes(StandardCharsets.UTF_8);
        byte[] given = authorization == null ? new byte[0] : authorization.getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected, given)) {
            throw new WebhookRejected(HttpStatus.UNAUTHORIZED, "bad_token", "Authorization must be 'Bearer <nightshift.ingest.api.token>'");
        }
    }

    private NewTask read(byte[] body) {
        NewTask task;
        try {
            task = JSON.readValue(body, NewTask.class);
        } catch (JacksonException e) {
            throw WebhookRejected.malformed("body is not a task: " + e.getOriginalMessage());
        }
        if (task == null) {
            throw WebhookRejected.malformed("body is empty: send {\"worker\": ..., \"title\": ..., \"body\": ...}");
        }
        Set<ConstraintViolation<NewTask>> violations = validator.validate(task);
        if (!violations.isEmpty()) {
            throw WebhookRejected.malformed(violations.stream().map(v -> v.getPropertyPath() + ": " + v.getMessage())
                    .sorted().collect(Collectors.joining("; ")));
        }
        return task;
    }
}
