package dev.nightshift.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.nightshift.events.GitHubIssue;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.TodoistTask;
import dev.nightshift.events.Topics;
import dev.nightshift.events.TrustedEvents;
import dev.nightshift.ingest.github.GitHubSignature;
import dev.nightshift.ingest.routing.TaskRequests;
import dev.nightshift.ingest.routing.Worker;
import dev.nightshift.ingest.routing.WorkerCatalogue;
import dev.nightshift.ingest.todoist.TodoistSignature;
import dev.nightshift.signing.SignedSerializer;
import dev.nightshift.signing.SigningKeys;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.tomcat.util.threads.VirtualThreadExecutor;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The least a webhook endpoint can do and still be correct, run as its own process: one servlet on embedded
 * Tomcat (the server ingest runs on, its defaults, handlers on virtual threads as Spring Boot sets them) that
 * reads the body, checks its HMAC, parses it, routes it, produces the same signed Avro task event with ingest's
 * producer settings (acks=all, idempotent, linger 0, the registry's serde) and answers once Kafka acknowledged:
 * one write per webhook, no Spring. The yardstick ingest is compared with.
 * <p>
 * {@code MinimalPipeline PORT BOOTSTRAP_SERVERS REGISTRY_URL WORKERS_FILE}; the secrets and the signing key in
 * its environment, as ingest's.
 */
public final class MinimalPipeline extends HttpServlet {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final byte[] PUBLISHED = "{\"result\":\"published\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] IGNORED = "{\"result\":\"ignored\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] REFUSED = "{\"result\":\"bad_signature\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] UNAVAILABLE = "{\"result\":\"unavailable\"}".getBytes(StandardCharsets.UTF_8);

    private final transient KafkaProducer<String, Object> producer;
    private final transient Worker writer;
    private final transient Worker fixer;
    private final transient AtomicBoolean failed = new AtomicBoolean();
    private final String todoistSecret = System.getenv(Deliveries.TODOIST_SECRET_ENV);
    private final String githubSecret = System.getenv(Deliveries.GITHUB_SECRET_ENV);

    private MinimalPipeline(KafkaProducer<String, Object> producer, List<Worker> workers) {
        this.producer = producer;
        this.writer = workers.get(0);
        this.fixer = workers.get(1);
    }

    public static void main(String[] args) throws Exception {
        TrustedEvents.trust(); // as each service does: Avro serialises only the event classes it trusts
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[1]);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "3000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "4000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        // signed as ingest signs, so the baseline writes records a dispatcher would take
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, SignedSerializer.class.getName());
        p.put(SigningKeys.KEY, System.getenv("NIGHTSHIFT_SIGNING_KEY"));
        p.put("apicurio.registry.url", args[2]);
        p.put("apicurio.registry.auto-register", "true");
        p.put("apicurio.registry.dereference-schema", "true");
        List<Worker> workers = WorkerCatalogue.parse(Files.readString(Path.of(args[3]))).workers();
        MinimalPipeline pipeline = new MinimalPipeline(new KafkaProducer<>(p), workers);

        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createTempDirectory("nightshift-bench-minimal").toString());
        Connector connector = new Connector("HTTP/1.1");
        connector.setPort(Integer.parseInt(args[0]));
        connector.setProperty("address", "127.0.0.1");
        connector.getProtocolHandler().setExecutor(new VirtualThreadExecutor("minimal-handler-"));
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", null);
        Tomcat.addServlet(context, "webhooks", pipeline);
        context.addServletMappingDecoded("/webhooks/*", "webhooks");
        tomcat.start();
        System.out.println("minimal pipeline listening on 127.0.0.1:" + connector.getLocalPort());
        tomcat.getServer().await();
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        byte[] body = request.getInputStream().readNBytes(1_048_576);
        switch (request.getPathInfo()) {
            case "/todoist" -> todoist(request, response, body);
            case "/github" -> github(request, response, body);
            default -> answer(response, 404, IGNORED);
        }
    }

    private void todoist(HttpServletRequest request, HttpServletResponse response, byte[] body) throws IOException {
        if (!TodoistSignature.verify(body, request.getHeader(TodoistSignature.HEADER), todoistSecret)) {
            answer(response, 401, REFUSED);
            return;
        }
        JsonNode item = JSON.readTree(body).path("event_data");
        if (!IngestBench.PROJECT.equals(item.path("project_id").asString())) {
            answer(response, 200, IGNORED);
            return;
        }
        String id = item.path("id").asString();
        TaskRef task = TaskRef.newBuilder().setSource(Source.TODOIST).setSourceId(id).setTitle(item.path("content").asString())
                .setDescription(item.path("description").asString("")).setUrl("https://app.todoist.com/app/task/" + id)
                .setReference(TodoistTask.newBuilder().setId(id).setProjectId(IngestBench.PROJECT).build()).build();
        publish(response, TaskRequests.requested("todoist:" + id, task, "added", writer,
                "todoist:" + request.getHeader("X-Todoist-Delivery-ID"), Instant.now()));
    }

    private void github(HttpServletRequest request, HttpServletResponse response, byte[] body) throws IOException {
        if (!GitHubSignature.verify(body, request.getHeader(GitHubSignature.HEADER), githubSecret)) {
            answer(response, 401, REFUSED);
            return;
        }
        JsonNode payload = JSON.readTree(body);
        String repository = payload.path("repository").path("full_name").asString();
        if (!IngestBench.REPOSITORY.equals(repository) || !"agent".equals(payload.path("label").path("name").asString())) {
            answer(response, 200, IGNORED);
            return;
        }
        JsonNode issue = payload.path("issue");
        int number = issue.path("number").asInt();
        TaskRef task = TaskRef.newBuilder().setSource(Source.GITHUB).setSourceId(repository + "#" + number)
                .setTitle(issue.path("title").asString()).setDescription(issue.path("body").asString(""))
                .setUrl(issue.path("html_url").asString())
                .setReference(GitHubIssue.newBuilder().setRepository(repository).setNumber(number).build()).build();
        publish(response, TaskRequests.requested("github:" + repository + "#" + number, task, "issue", fixer,
                "github:" + request.getHeader("X-GitHub-Delivery"), Instant.now()));
    }

    private void publish(HttpServletResponse response, TaskEvent event) throws IOException {
        try {
            producer.send(new ProducerRecord<>(Topics.TASKS, event.getTaskKey(), event)).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (!failed.getAndSet(true)) {
                e.printStackTrace(); // the first failure in its log; the bench counts them all
            }
            answer(response, 503, UNAVAILABLE);
            return;
        }
        answer(response, 200, PUBLISHED);
    }

    private static void answer(HttpServletResponse response, int status, byte[] body) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
