package dev.nightshift.testkit;

import java.time.Duration;
import java.util.Map;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The broker and the registry as containers (Testcontainers), for machines with a Docker engine: the same
 * broker settings as the embedded broker, the registry in memory. Where there is no engine, the suite runs
 * on the embedded broker and the registry process instead, and nothing else is skipped.
 */
final class ContainerInfrastructure implements AutoCloseable {

    static final String KAFKA_IMAGE = "apache/kafka:4.1.0";
    static final String REGISTRY_IMAGE = "apicurio/apicurio-registry:3.3.3";

    private final KafkaContainer kafka;
    private final GenericContainer<?> registry;

    private ContainerInfrastructure(KafkaContainer kafka, GenericContainer<?> registry) {
        this.kafka = kafka;
        this.registry = registry;
    }

    /**
     * Containers when a Docker engine answers, unless NIGHTSHIFT_TEST_INFRA=embedded; NIGHTSHIFT_TEST_INFRA=containers
     * requires them.
     */
    static boolean wanted() {
        String choice = System.getenv().getOrDefault("NIGHTSHIFT_TEST_INFRA", "auto");
        if (choice.equals("embedded")) {
            return false;
        }
        boolean docker = DockerClientFactory.instance().isDockerAvailable();
        if (!docker && choice.equals("containers")) {
            throw new IllegalStateException("NIGHTSHIFT_TEST_INFRA=containers but no Docker engine answers");
        }
        return docker;
    }

    static ContainerInfrastructure start() {
        KafkaContainer kafka = new KafkaContainer(KAFKA_IMAGE).withEnv(Map.of(
                // as the embedded broker (EmbeddedBroker): takeover within the tests' timeouts, no auto-created topics
                "KAFKA_GROUP_CONSUMER_MIN_SESSION_TIMEOUT_MS", "6000",
                "KAFKA_GROUP_CONSUMER_SESSION_TIMEOUT_MS", "10000",
                "KAFKA_GROUP_CONSUMER_MIN_HEARTBEAT_INTERVAL_MS", "1000",
                "KAFKA_GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS", "2000",
                "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0",
                "KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false",
                "KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS", "6"));
        GenericContainer<?> registry = new GenericContainer<>(REGISTRY_IMAGE)
                .withExposedPorts(8080)
                .waitingFor(Wait.forHttp("/apis/registry/v3/system/info").forStatusCode(200).withStartupTimeout(Duration.ofMinutes(2)));
        kafka.start();
        registry.start();
        return new ContainerInfrastructure(kafka, registry);
    }

    String bootstrapServers() {
        return kafka.getBootstrapServers();
    }

    String registryBase() {
        return "http://" + registry.getHost() + ":" + registry.getMappedPort(8080);
    }

    @Override
    public void close() {
        registry.stop();
        kafka.stop();
    }
}
