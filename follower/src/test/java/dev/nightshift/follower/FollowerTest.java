package dev.nightshift.follower;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.nightshift.embedded.EmbeddedBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The follower against a real broker: what it reads, when it has read to the end, and how it stops. */
class FollowerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static EmbeddedBroker broker;
    private static Admin admin;
    private static KafkaProducer<String, String> producer;

    private final List<Follower<String>> started = new ArrayList<>();
    /** Each follower's state, as an owner would keep it: the latest value per key, a tombstone removing it. */
    private final Map<String, String> state = new ConcurrentHashMap<>();

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedBroker.start(Files.createTempDirectory("follower-broker"), freePort(), freePort());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @AfterAll
    static void stopBroker() {
        producer.close();
        admin.close();
        broker.close();
    }

    @AfterEach
    void stopFollowers() {
        started.forEach(Follower::stop);
    }

    @Test
    void readsEveryPartitionFromTheBeginningBeforeReadToEndCompletes(TestInfo test) throws Exception {
        String topic = topic(test, 3);
        for (int i = 0; i < 30; i++) {
            send(topic, "key-" + (i % 10), "value-" + i);
        }

        Follower<String> follower = follow(topic);

        follower.readToEnd().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(state).hasSize(10).containsEntry("key-0", "value-20").containsEntry("key-9", "value-29");
    }

    @Test
    void followsWhatIsWrittenLaterAndReadToEndWaitsForIt(TestInfo test) throws Exception {
        String topic = topic(test, 1);
        Follower<String> follower = follow(topic);
        follower.readToEnd().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(state).isEmpty();

        send(topic, "a", "1");
        send(topic, "a", "2");
        follower.readToEnd().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(state).isEqualTo(Map.of("a", "2"));
    }

    @Test
    void aTombstoneReachesTheOwnerAsANullValue(TestInfo test) throws Exception {
        String topic = topic(test, 1);
        send(topic, "gone", "here");
        send(topic, "kept", "here");
        send(topic, "gone", null);

        Follower<String> follower = follow(topic);
        follower.readToEnd().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(state).isEqualTo(Map.of("kept", "here"));
    }

    @Test
    void readsCommittedRecordsOnlyAndGetsPastAnAbortedTransaction(TestInfo test) throws Exception {
        String topic = topic(test, 1);
        try (KafkaProducer<String, String> tx = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "follower-test-" + topic), new StringSerializer(), new StringSerializer())) {
            tx.initTransactions();
            tx.beginTransaction();
            tx.send(new ProducerRecord<>(topic, "a", "aborted")).get();
            tx.abortTransaction();
            tx.beginTransaction();
            tx.send(new ProducerRecord<>(topic, "b", "committed")).get();
            tx.commitTransaction();
        }

        Follower<String> follower = follow(topic);
        follower.readToEnd().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(state).isEqualTo(Map.of("b", "committed"));
    }

    @Test
    void skipsAnUnreadableRecordAndReadsOn(TestInfo test) throws Exception {
        String topic = topic(test, 1);
        send(topic, "a", "before");
        send(topic, "b", Picky.UNREADABLE);
        send(topic, "c", "after");
        Map<String, Object> properties = properties("picky");
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, Picky.class);

        Follower<String> follower = follow(topic, properties);
        follower.readToEnd().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(state).isEqualTo(Map.of("a", "before", "c", "after"));
    }

    @Test
    void aRecordTheOwnerFailsToApplyDoesNotStopTheOnesBehindIt(TestInfo test) throws Exception {
        String topic = topic(test, 1);
        send(topic, "a", "fails");
        send(topic, "b", "applied");
        Follower<String> follower = new Follower<>("follower-" + topic, topic, properties(topic), r -> {
            if ("fails".equals(r.value())) {
                throw new IllegalStateException("the owner cannot take this one");
            }
            state.put(r.key(), r.value());
        });
        started.add(follower);
        follower.start();

        follower.readToEnd().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(state).isEqualTo(Map.of("b", "applied"));
    }

    @Test
    void aReadToEndAskedBeforeTheTopicExistsWaitsForIt(TestInfo test) throws Exception {
        String topic = "follower-later-" + test.getTestMethod().orElseThrow().getName();
        Follower<String> follower = follow(topic);
        CompletableFuture<Void> caughtUp = follower.readToEnd();
        assertThatThrownBy(() -> caughtUp.get(2, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);

        admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
        send(topic, "a", "1");
        follower.readToEnd().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(state).isEqualTo(Map.of("a", "1"));
        assertThat(caughtUp).isCompleted();
    }

    @Test
    void stopEndsTheThreadAndFailsTheReadsStillWaiting(TestInfo test) throws Exception {
        String missing = "follower-missing-" + test.getTestMethod().orElseThrow().getName();
        Follower<String> follower = follow(missing);
        CompletableFuture<Void> neverReached = follower.readToEnd();

        follower.stop();

        assertThat(follower.isRunning()).isFalse();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("follower-" + missing));
        assertThatThrownBy(() -> neverReached.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IllegalStateException.class);
        assertThat(follower.readToEnd()).isCompletedExceptionally();
    }

    @Test
    void aStoppedFollowerAppliesNothingMore(TestInfo test) throws Exception {
        String topic = topic(test, 1);
        send(topic, "a", "1");
        Follower<String> follower = follow(topic);
        follower.readToEnd().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        follower.stop();
        send(topic, "a", "2");
        // a second follower reads the new record: had the first still been following, it would have too
        Map<String, String> other = new ConcurrentHashMap<>();
        Follower<String> second = new Follower<>("second-" + topic, topic, properties(topic), r -> other.put(r.key(), r.value()));
        started.add(second);
        second.start();
        second.readToEnd().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(other).isEqualTo(Map.of("a", "2"));
        assertThat(state).isEqualTo(Map.of("a", "1"));
    }

    @Test
    void aReplayReadsTheGivenPartitionsToTheirEndOnTheCallersConsumer(TestInfo test) throws Exception {
        String topic = topic(test, 2);
        producer.send(new ProducerRecord<>(topic, 0, "a", "on 0")).get();
        producer.send(new ProducerRecord<>(topic, 1, "b", "on 1")).get();
        producer.send(new ProducerRecord<>(topic, 0, "c", "on 0 too")).get();

        Map<String, String> read = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties(topic))) {
            boolean reached = Replay.fromStart(consumer, Set.of(new TopicPartition(topic, 0)), WAIT, r -> read.put(r.key(), r.value()));

            assertThat(reached).isTrue();
        }
        assertThat(read).isEqualTo(Map.of("a", "on 0", "c", "on 0 too"));
    }

    private Follower<String> follow(String topic) {
        return follow(topic, properties(topic));
    }

    private Follower<String> follow(String topic, Map<String, Object> properties) {
        Follower<String> follower = new Follower<>("follower-" + topic, topic, properties, r -> {
            if (r.value() == null) {
                state.remove(r.key());
            } else {
                state.put(r.key(), r.value());
            }
        });
        started.add(follower);
        follower.start();
        return follower;
    }

    /** The private reader's settings, with String values: these tests write no Avro (no registry here). */
    private static Map<String, Object> properties(String clientId) {
        Map<String, Object> p = ReaderProperties.of(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "not-for-a-private-reader"), clientId);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return p;
    }

    private static String topic(TestInfo test, int partitions) throws Exception {
        String topic = "follower-" + test.getTestMethod().orElseThrow().getName();
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
        return topic;
    }

    private static void send(String topic, String key, String value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get();
    }

    /** Stands in for a record no reader can decode (a corrupt or foreign one). */
    public static final class Picky implements Deserializer<String> {

        static final String UNREADABLE = "unreadable";

        @Override
        public String deserialize(String topic, byte[] data) {
            String s = data == null ? null : new String(data, StandardCharsets.UTF_8);
            if (UNREADABLE.equals(s)) {
                throw new SerializationException("not a record this reader can read");
            }
            return s;
        }
    }
}
