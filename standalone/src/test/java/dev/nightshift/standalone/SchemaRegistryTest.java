package dev.nightshift.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import dev.nightshift.events.RunEvent;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.Topics;
import dev.nightshift.testkit.SharedInfrastructure;
import dev.nightshift.testkit.TodoistWebhooks;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The contract: events in the Confluent wire format, schemas in the registry, BACKWARD compatibility enforced. */
@Timeout(120)
class SchemaRegistryTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String SUBJECT = Topics.TASKS + "-value";
    private static String taskKey;

    @BeforeAll
    static void publishATask() throws Exception {
        RunningNightshift nightshift = RunningNightshift.get();
        String taskId = EndToEndTest.newTaskId();
        taskKey = "todoist:" + taskId;
        HttpResponse<String> r = TodoistWebhooks.send(nightshift.webhookUrl(),
                TodoistWebhooks.itemAdded(taskId, RunningNightshift.PROJECT_ID, "Schema check"), RunningNightshift.CLIENT_SECRET,
                UUID.randomUUID().toString());
        assertThat(r.statusCode()).isEqualTo(200);
    }

    @Test
    void eventsUseTheConfluentWireFormatWithARegisteredSchema() throws Exception {
        byte[] value = rawValue(Topics.TASKS, taskKey);
        ByteBuffer buffer = ByteBuffer.wrap(value);
        assertThat(buffer.get()).as("magic byte").isZero();
        int schemaId = buffer.getInt();

        JsonNode schema = get(SharedInfrastructure.get().ccompatUrl() + "/schemas/ids/" + schemaId);
        assertThat(JSON.readTree(schema.path("schema").asString()).path("name").asString()).isEqualTo("TaskEvent");
        JsonNode versions = get(SharedInfrastructure.get().ccompatUrl() + "/subjects/" + SUBJECT + "/versions");
        assertThat(versions.isArray() && !versions.isEmpty()).as("versions of " + SUBJECT + ": " + versions).isTrue();
    }

    @Test
    void theRegistryRejectsAnIncompatibleChange() throws Exception {
        ObjectNode incompatible = (ObjectNode) JSON.readTree(TaskEvent.getClassSchema().toString());
        // a new field without a default: new readers could not read the events already on the topic
        incompatible.withArray("fields").addObject().put("name", "priority").put("type", "int");

        HttpResponse<String> register = post("/subjects/" + SUBJECT + "/versions", incompatible);
        assertThat(register.statusCode()).as(register.body()).isEqualTo(409);
        HttpResponse<String> check = post("/compatibility/subjects/" + SUBJECT + "/versions/latest", incompatible);
        assertThat(JSON.readTree(check.body()).path("is_compatible").asBoolean()).as(check.body()).isFalse();
    }

    @Test
    void theRegistryAcceptsACompatibleChange() throws Exception {
        ObjectNode compatible = (ObjectNode) JSON.readTree(TaskEvent.getClassSchema().toString());
        ObjectNode field = compatible.withArray("fields").addObject().put("name", "priority");
        field.putArray("type").add("null").add("int");
        field.putNull("default");

        HttpResponse<String> check = post("/compatibility/subjects/" + SUBJECT + "/versions/latest", compatible);
        assertThat(check.statusCode()).as(check.body()).isEqualTo(200);
        assertThat(JSON.readTree(check.body()).path("is_compatible").asBoolean()).as(check.body()).isTrue();
    }

    /**
     * Each event schema as this code writes it can read what the last released code wrote: the released
     * schema (a copy in test resources, taken before a change to the contract) registered first, the
     * current one checked against it under BACKWARD.
     */
    @ParameterizedTest
    @ValueSource(strings = {"TaskEvent", "RunEvent"})
    void theCurrentSchemasReadWhatTheReleasedOnesWrote(String name) throws Exception {
        String subject = "released-" + name + "-" + UUID.randomUUID();
        JsonNode released;
        try (var in = SchemaRegistryTest.class.getResourceAsStream("/released/" + name + ".avsc")) {
            released = JSON.readTree(in);
        }
        Schema current = name.equals("TaskEvent") ? TaskEvent.getClassSchema() : RunEvent.getClassSchema();
        HttpResponse<String> config = HTTP.send(HttpRequest.newBuilder(URI.create(SharedInfrastructure.get().ccompatUrl() + "/config/" + subject))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"BACKWARD\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(config.statusCode()).as(config.body()).isEqualTo(200);
        HttpResponse<String> register = post("/subjects/" + subject + "/versions", released);
        assertThat(register.statusCode()).as(register.body()).isEqualTo(200);

        HttpResponse<String> check = post("/compatibility/subjects/" + subject + "/versions/latest", JSON.readTree(current.toString()));

        assertThat(check.statusCode()).as(check.body()).isEqualTo(200);
        assertThat(JSON.readTree(check.body()).path("is_compatible").asBoolean()).as(check.body()).isTrue();
        // and a change that breaks it is refused under the same rule, so the check can fail
        ObjectNode broken = (ObjectNode) JSON.readTree(current.toString());
        broken.withArray("fields").addObject().put("name", "mandatory").put("type", "string");
        HttpResponse<String> refused = post("/compatibility/subjects/" + subject + "/versions/latest", broken);
        assertThat(JSON.readTree(refused.body()).path("is_compatible").asBoolean()).as(refused.body()).isFalse();
    }

    private static HttpResponse<String> post(String path, JsonNode schema) throws Exception {
        String body = JSON.writeValueAsString(JSON.createObjectNode().put("schema", schema.toString()));
        return HTTP.send(HttpRequest.newBuilder(URI.create(SharedInfrastructure.get().ccompatUrl() + path))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode get(String url) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static byte[] rawValue(String topic, String key) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedInfrastructure.get().bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) {
                        return r.value();
                    }
                }
            }
        }
        throw new AssertionError("no record with key " + key + " on " + topic);
    }
}
