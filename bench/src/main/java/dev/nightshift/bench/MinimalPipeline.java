package dev.nightshift.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.nightshift.events.GitHubIssue;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.TodoistTask;
import dev.nightshift.events.Topics;
import dev.nightshift.ingest.github.GitHubSignature;
import dev.nightshift.ingest.routing.TaskRequests;
import dev.nightshift.ingest.routing.Worker;
import dev.nightshift.ingest.routing.WorkerCatalogue;
import dev.nightshift.ingest.todoist.TodoistSignature;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import dev.nightshift.signing.SignedSerializer;
import dev.nightshift.standalone.TestSigningKey;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The least a webhook endpoint can do and still be correct: read the body, check its HMAC, parse it, route it,
 * produce the same Avro task event with ingest's producer settings, answer once Kafka acknowledged. No Spring,
 * no claim on nightshift.publications: the yardstick ingest is compared with.
 */
final class MinimalPipeline implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final byte[] PUBLISHED = "{\"result\":\"published\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] IGNORED = "{\"result\":\"ignored\"}".getBytes(StandardCharsets.UTF_8);

    private final HttpServer server;
    private final KafkaProducer<String, Object> producer;
    private final Worker writer;
    private final Worker fixer;

    private MinimalPipeline(HttpServer server, KafkaProducer<String, Object> producer, List<Worker> workers) {
        this.server = server;
        this.producer = producer;
        this.writer = workers.get(0);
        this.fixer = workers.get(1);
    }

    static MinimalPipeline start(String bootstrapServers, String registryUrl) throws IOException {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "3000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "4000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        // signed as ingest signs (the HMAC costs microseconds), so the baseline writes records a dispatcher would take
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, SignedSerializer.class.getName());
        p.putAll(TestSigningKey.producerProperties(TestSigningKey.KEY));
        p.put("apicurio.registry.url", registryUrl);
        p.put("apicurio.registry.auto-register", "true");
        p.put("apicurio.registry.dereference-schema", "true");
        List<Worker> workers = WorkerCatalogue.parse(IngestBench.CATALOGUE).workers();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        MinimalPipeline pipeline = new MinimalPipeline(server, new KafkaProducer<>(p), workers);
        server.createContext("/webhooks/todoist", pipeline::todoist);
        server.createContext("/webhooks/github", pipeline::github);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return pipeline;
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void todoist(HttpExchange exchange) throws IOException {
        byte[] body = read(exchange);
        if (!TodoistSignature.verify(body, exchange.getRequestHeaders().getFirst(TodoistSignature.HEADER), IngestBench.SECRET)) {
            answer(exchange, 401, IGNORED);
            return;
        }
        JsonNode item = JSON.readTree(body).path("event_data");
        if (!IngestBench.PROJECT.equals(item.path("project_id").asString())) {
            answer(exchange, 200, IGNORED);
            return;
        }
        String id = item.path("id").asString();
        TaskRef task = TaskRef.newBuilder().setSource(Source.TODOIST).setSourceId(id).setTitle(item.path("content").asString())
                .setDescription(item.path("description").asString("")).setUrl("https://app.todoist.com/app/task/" + id)
                .setReference(TodoistTask.newBuilder().setId(id).setProjectId(IngestBench.PROJECT).build()).build();
        publish(exchange, TaskRequests.requested("todoist:" + id, task, "added", writer,
                "todoist:" + exchange.getRequestHeaders().getFirst("X-Todoist-Delivery-ID"), Instant.now()));
    }

    private void github(HttpExchange exchange) throws IOException {
        byte[] body = read(exchange);
        if (!GitHubSignature.verify(body, exchange.getRequestHeaders().getFirst(GitHubSignature.HEADER), IngestBench.GITHUB_SECRET)) {
            answer(exchange, 401, IGNORED);
            return;
        }
        JsonNode payload = JSON.readTree(body);
        String repository = payload.path("repository").path("full_name").asString();
        if (!IngestBench.REPOSITORY.equals(repository) || !"agent".equals(payload.path("label").path("name").asString())) {
            answer(exchange, 200, IGNORED);
            return;
        }
        JsonNode issue = payload.path("issue");
        int number = issue.path("number").asInt();
        TaskRef task = TaskRef.newBuilder().setSource(Source.GITHUB).setSourceId(repository + "#" + number)
                .setTitle(issue.path("title").asString()).setDescription(issue.path("body").asString(""))
                .setUrl(issue.path("html_url").asString())
                .setReference(GitHubIssue.newBuilder().setRepository(repository).setNumber(number).build()).build();
        publish(exchange, TaskRequests.requested("github:" + repository + "#" + number, task, "issue", fixer,
                "github:" + exchange.getRequestHeaders().getFirst("X-GitHub-Delivery"), Instant.now()));
    }

    private void publish(HttpExchange exchange, TaskEvent event) throws IOException {
        try {
            producer.send(new ProducerRecord<>(Topics.TASKS, event.getTaskKey(), event)).get(5, TimeUnit.SECONDS);
            answer(exchange, 200, PUBLISHED);
        } catch (Exception e) {
            answer(exchange, 503, IGNORED);
        }
    }

    private static byte[] read(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            return in.readNBytes(1_048_576);
        }
    }

    private static void answer(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        producer.close();
    }
}
