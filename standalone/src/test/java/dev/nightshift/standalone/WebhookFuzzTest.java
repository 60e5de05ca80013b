package dev.nightshift.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Predicate;

import dev.nightshift.events.Topics;
import dev.nightshift.ingest.github.GitHubSignature;
import dev.nightshift.ingest.linear.LinearSignature;
import dev.nightshift.ingest.todoist.TodoistSignature;
import dev.nightshift.testkit.GitHubWebhooks;
import dev.nightshift.testkit.LinearWebhooks;
import dev.nightshift.testkit.SharedInfrastructure;
import dev.nightshift.testkit.TodoistWebhooks;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Random and mutated deliveries, most of them correctly signed so they reach the parsers, to every webhook
 * endpoint: never a 5xx, never a publication. The bases are real-format deliveries for a project and a
 * repository no worker names, so a mutation cannot honestly become work. A failure names the seed and the
 * case; {@code -Dnightshift.fuzz.seed=S -Dnightshift.fuzz.cases=N} replays or extends a run.
 * (A hand-made generator: jqwik, the property-testing library for the JVM, does not run on JUnit 6.)
 */
@Timeout(600)
class WebhookFuzzTest {

    private static final int CASES = Integer.getInteger("nightshift.fuzz.cases", 3_000);
    private static final long SEED = Long.getLong("nightshift.fuzz.seed", System.nanoTime());
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final List<String> TOKENS = List.of("{", "}", "[", "]", ",", ":", "\"", "null", "true", "-0", "1e999",
            "99999999999999999999", "\"\\u0000\"", "\\", "\"item:added\"", "\"labeled\"", "{}", "[]", "\uD83D\uDE00", "\u00e9");

    private static final String REFUSALS_LOGGER = "dev.nightshift.ingest.webhook.WebhookErrors";
    private static RunningNightshift nightshift;

    @BeforeAll
    static void start() {
        nightshift = RunningNightshift.get();
    }

    @Test
    void todoistNeverAnswers5xxNorPublishes() throws Exception {
        List<String> bases = new ArrayList<>();
        for (String event : List.of("item:added", "item:completed", "item:deleted", "item:updated", "note:added")) {
            bases.add(TodoistWebhooks.event(event, EndToEndTest.newTaskId(), "6Jf8VQFUZZED", "Buy milk"));
        }
        List<String> read = List.of("/event_name", "/event_data", "/event_data/id", "/event_data/project_id", "/event_data/content",
                "/event_data/description", "/event_data/labels", "/event_data/labels/0");
        fuzz("todoist", bases, read, (body, random) -> {
            Map<String, String> headers = new java.util.HashMap<>();
            headers.put("X-Todoist-Hmac-SHA256", signature(random, TodoistSignature.sign(body, RunningNightshift.CLIENT_SECRET)));
            if (random.nextInt(10) > 0) {
                headers.put("X-Todoist-Delivery-ID", "fuzz-" + random.nextLong());
            }
            return headers;
        });
    }

    @Test
    void githubNeverAnswers5xxNorPublishes() throws Exception {
        String repo = "acme/fuzzed";
        List<String> bases = List.of(
                GitHubWebhooks.labeled(repo, 7, "Login fails", "agent"),
                GitHubWebhooks.issues("opened", repo, 8, "Crash", List.of("agent"), List.of("nightshift-bot"), "", "alice", "User"),
                GitHubWebhooks.issues("closed", repo, 8, "Crash", List.of("agent"), List.of(), "", "alice", "User"),
                GitHubWebhooks.comment(repo, 9, 1234, "@nightshift /nightshift retry", "bob", "MEMBER", "User"),
                GitHubWebhooks.pullRequest("synchronize", repo, 10, "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"),
                GitHubWebhooks.push(repo, "main", "9049f1265b7d61be4a8904a9a27120d2064dab3b", "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
                        List.of("Fix"), "alice", "User"));
        List<String> events = List.of("issues", "issue_comment", "pull_request", "push", "ping", "star", "", "ISSUES");
        List<String> read = List.of("/action", "/repository", "/repository/full_name", "/sender", "/sender/login", "/sender/type",
                "/issue", "/issue/number", "/issue/title", "/issue/body", "/issue/labels", "/issue/labels/0", "/issue/labels/0/name",
                "/issue/assignees", "/issue/assignees/0/login", "/issue/html_url", "/issue/pull_request", "/label", "/label/name",
                "/assignee", "/assignee/login", "/comment", "/comment/id", "/comment/body", "/comment/user", "/comment/user/type",
                "/comment/author_association", "/pull_request", "/pull_request/number", "/pull_request/title", "/pull_request/head",
                "/pull_request/head/sha", "/pull_request/labels", "/ref", "/before", "/after", "/deleted", "/compare", "/commits",
                "/commits/0", "/commits/0/id", "/commits/0/message");
        fuzz("github", bases, read, (body, random) -> {
            Map<String, String> headers = new java.util.HashMap<>();
            headers.put("X-Hub-Signature-256", signature(random, GitHubSignature.sign(body, RunningNightshift.GITHUB_SECRET)));
            String event = events.get(random.nextInt(events.size()));
            if (!event.isEmpty()) {
                headers.put("X-GitHub-Event", event);
            }
            if (random.nextInt(10) > 0) {
                headers.put("X-GitHub-Delivery", "fuzz-" + random.nextLong());
            }
            return headers;
        });
    }

    /**
     * @param read JSON pointers of the fields the source reads: a third of the cases remove one or give it a value
     *             of another type, since a blind mutation would rarely land on them
     */
    @Test
    void linearNeverAnswers5xxNorPublishes() throws Exception {
        long now = System.currentTimeMillis();
        String ops = "00000000-0000-4000-8000-000000000000";
        String data = LinearWebhooks.issueData("OPS-7", "Export does nothing", List.of("agent"), "Todo", "unstarted")
                .replace(LinearWebhooks.TEAM_ID, ops).replace("\"key\":\"ENG\"", "\"key\":\"OPS\"");
        List<String> bases = List.of(
                LinearWebhooks.issue("create", data, null, "user", "a4b5c6d7-e8f9-4a0b-8c1d-2e3f4a5b6c7d", now),
                LinearWebhooks.issue("update", data, "{\"labelIds\":[]}", "user", "a4b5c6d7-e8f9-4a0b-8c1d-2e3f4a5b6c7d", now),
                LinearWebhooks.issue("remove", data, null, "user", "a4b5c6d7-e8f9-4a0b-8c1d-2e3f4a5b6c7d", now),
                LinearWebhooks.session("created", "s-1", "OPS-8", "Fix", null, now).replace(LinearWebhooks.TEAM_ID, ops).replace("\"key\":\"ENG\"", "\"key\":\"OPS\""),
                LinearWebhooks.session("prompted", "s-1", "OPS-8", "Fix", LinearWebhooks.prompt("a-1", "stop", "stop"), now)
                        .replace(LinearWebhooks.TEAM_ID, ops).replace("\"key\":\"ENG\"", "\"key\":\"OPS\""));
        List<String> read = List.of("/type", "/action", "/webhookTimestamp", "/actor", "/actor/id", "/actor/type", "/data", "/data/id",
                "/data/identifier", "/data/title", "/data/description", "/data/teamId", "/data/team", "/data/team/key", "/data/labels",
                "/data/labels/0", "/data/labels/0/name", "/data/state", "/data/state/type", "/updatedFrom", "/updatedFrom/labelIds",
                "/agentSession", "/agentSession/id", "/agentSession/issue", "/agentSession/issue/identifier", "/agentSession/issue/title",
                "/agentSession/issue/teamId", "/agentSession/comment", "/agentSession/comment/body", "/promptContext", "/agentActivity",
                "/agentActivity/signal", "/agentActivity/content", "/agentActivity/content/body");
        fuzz("linear", bases, read, (body, random) -> {
            Map<String, String> headers = new java.util.HashMap<>();
            headers.put("Linear-Signature", signature(random, LinearSignature.sign(body, RunningNightshift.LINEAR_SECRET)));
            if (random.nextInt(10) > 0) {
                headers.put("Linear-Delivery", "fuzz-" + random.nextLong());
            }
            return headers;
        });
    }

    /**
     * The task API, with the right token mostly, for a worker no catalogue has: every request must be refused
     * (400, 401, 413), none published.
     */
    @Test
    void theTaskApiNeverAnswers5xxNorPublishes() throws Exception {
        List<String> bases = List.of(
                "{\"worker\":\"no-such-worker\",\"title\":\"Summarise the week\",\"body\":\"Use the changelog.\",\"idempotencyKey\":\"fuzz-1\"}",
                "{\"worker\":\"no-such-worker\",\"title\":\"Once\"}");
        List<String> read = List.of("/worker", "/title", "/body", "/idempotencyKey");
        String url = "http://127.0.0.1:" + nightshift.services.ingestPort() + "/api/tasks";
        fuzz("api", url, bases, read, (body, random) -> Map.of("Authorization",
                random.nextInt(20) == 0 ? "Bearer wrong" : "Bearer " + RunningNightshift.API_TOKEN),
                r -> r.body().contains("no worker is called"));
    }

    private void fuzz(String source, List<String> bases, List<String> read, BiFunction<byte[], Random, Map<String, String>> headers)
            throws Exception {
        // a webhook's parser was reached when it answered 200 (ignored: unrouted)
        fuzz(source, nightshift.webhookUrl(source), bases, read, headers, r -> r.statusCode() == 200);
    }

    private void fuzz(String source, String url, List<String> bases, List<String> read, BiFunction<byte[], Random, Map<String, String>> headers,
            Predicate<HttpResponse<String>> reached) throws Exception {
        // thousands of refusals, each worth a WARN line in production: not in the test log
        LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());
        logging.setLogLevel(REFUSALS_LOGGER, LogLevel.ERROR);
        try {
            run(source, url, bases, read, headers, reached);
        } finally {
            logging.setLogLevel(REFUSALS_LOGGER, null);
        }
    }

    private void run(String source, String url, List<String> bases, List<String> read, BiFunction<byte[], Random, Map<String, String>> headers,
            Predicate<HttpResponse<String>> reached) throws Exception {
        Random random = new Random(SEED);
        long published = tasksEndOffsets();
        int accepted = 0;
        for (int i = 0; i < CASES; i++) {
            String base = bases.get(random.nextInt(bases.size()));
            byte[] body = random.nextInt(3) == 0 ? replaceRead(base, read, random) : mutate(base, random);
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
            headers.apply(body, random).forEach(request::header);
            HttpResponse<String> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            String where = source + " case " + i + " of seed " + SEED + ": " + new String(body, StandardCharsets.UTF_8);
            assertThat(r.statusCode()).as(where + "\n-> " + r.body()).isIn(200, 400, 401, 413);
            assertThat(r.body()).as(where).doesNotContain("\"result\":\"published\"");
            accepted += reached.test(r) ? 1 : 0;
        }
        assertThat(tasksEndOffsets()).as("records on %s after %d %s cases", Topics.TASKS, CASES, source).isEqualTo(published);
        // the parsers were reached, not only the signature check
        assertThat(accepted).as("cases that reached the parser").isGreaterThan(CASES / 20);
    }

    /** Mostly the right signature (so the body reaches the parser), sometimes none, a wrong one or a mangled one. */
    private static String signature(Random random, String right) {
        return switch (random.nextInt(20)) {
            case 0 -> "";
            case 1 -> right.substring(0, right.length() - 1);
            case 2 -> right.toUpperCase();
            case 3 -> "sha1=" + right;
            default -> right;
        };
    }

    private static byte[] mutate(String base, Random random) {
        return switch (random.nextInt(6)) {
            case 0 -> randomBytes(random);
            case 1 -> flipBytes(base.getBytes(StandardCharsets.UTF_8), random);
            case 2 -> base.substring(0, random.nextInt(base.length() + 1)).getBytes(StandardCharsets.UTF_8);
            case 3 -> insertTokens(base, random).getBytes(StandardCharsets.UTF_8);
            default -> replaceNode(base, random).getBytes(StandardCharsets.UTF_8);
        };
    }

    private static byte[] randomBytes(Random random) {
        byte[] bytes = new byte[random.nextInt(2000)];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] flipBytes(byte[] body, Random random) {
        for (int n = 1 + random.nextInt(8); n > 0 && body.length > 0; n--) {
            body[random.nextInt(body.length)] = (byte) random.nextInt(256);
        }
        return body;
    }

    private static String insertTokens(String base, Random random) {
        StringBuilder s = new StringBuilder(base);
        for (int n = 1 + random.nextInt(4); n > 0; n--) {
            s.insert(random.nextInt(s.length() + 1), TOKENS.get(random.nextInt(TOKENS.size())));
        }
        return s.toString();
    }

    private static byte[] replaceRead(String base, List<String> read, Random random) {
        JsonNode root = JSON.readTree(base);
        for (int n = 1 + random.nextInt(2); n > 0; n--) {
            String pointer = read.get(random.nextInt(read.size()));
            int slash = pointer.lastIndexOf('/');
            JsonNode parent = root.at(pointer.substring(0, slash));
            String last = pointer.substring(slash + 1);
            if (parent instanceof ObjectNode object) {
                if (random.nextInt(3) == 0) {
                    object.remove(last);
                } else {
                    object.set(last, randomValue(random, 0));
                }
            } else if (parent instanceof ArrayNode array && last.matches("[0-9]+") && array.size() > Integer.parseInt(last)) {
                array.set(Integer.parseInt(last), randomValue(random, 0));
            }
        }
        return JSON.writeValueAsBytes(root);
    }

    /** Parses the base and swaps one node anywhere in it for a value of another type, or removes it. */
    private static String replaceNode(String base, Random random) {
        JsonNode root = JSON.readTree(base);
        List<JsonNode> containers = new ArrayList<>();
        // half the time near the top, where the fields Nightshift reads are (event_data, issue, comment, pull_request)
        collect(root, containers, random.nextBoolean() ? 1 : Integer.MAX_VALUE);
        JsonNode parent = containers.get(random.nextInt(containers.size()));
        JsonNode value = randomValue(random, 0);
        if (parent instanceof ObjectNode object && !object.isEmpty()) {
            List<String> names = new ArrayList<>(object.propertyNames());
            String name = names.get(random.nextInt(names.size()));
            if (random.nextInt(4) == 0) {
                object.remove(name);
            } else {
                object.set(name, value);
            }
        } else if (parent instanceof ArrayNode array) {
            if (array.isEmpty() || random.nextBoolean()) {
                array.add(value);
            } else {
                array.set(random.nextInt(array.size()), value);
            }
        }
        return JSON.writeValueAsString(root);
    }

    private static void collect(JsonNode node, List<JsonNode> containers, int depth) {
        if (node.isContainer() && depth >= 0) {
            containers.add(node);
            node.values().forEach(child -> collect(child, containers, depth - 1));
        }
    }

    private static JsonNode randomValue(Random random, int depth) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (random.nextInt(depth > 3 ? 7 : 9)) {
            case 0 -> f.nullNode();
            case 1 -> f.booleanNode(random.nextBoolean());
            case 2 -> f.numberNode(random.nextLong());
            case 3 -> f.numberNode(new java.math.BigDecimal("1e" + random.nextInt(400)));
            case 4 -> f.textNode("");
            case 5 -> f.textNode("x".repeat(random.nextInt(300)));
            case 6 -> f.numberNode(random.nextDouble());
            case 7 -> {
                ArrayNode a = f.arrayNode();
                for (int i = random.nextInt(3); i > 0; i--) {
                    a.add(randomValue(random, depth + 1));
                }
                yield a;
            }
            default -> {
                ObjectNode o = f.objectNode();
                for (int i = random.nextInt(3); i > 0; i--) {
                    o.set(List.of("id", "name", "login", "number", "labels", "type").get(random.nextInt(6)), randomValue(random, depth + 1));
                }
                yield o;
            }
        };
    }

    /** Everything ever written to the tasks topic: unchanged means nothing was published. */
    private static long tasksEndOffsets() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedInfrastructure.get().bootstrapServers());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.TASKS, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(Topics.TASKS, p.partition())).toList();
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
