package dev.nightshift.embedded;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;

/**
 * A real single-node Kafka (KRaft, broker and controller in one) inside this JVM, bound to 127.0.0.1,
 * keeping its log in {@code dataDir} so a restart loses nothing that was acknowledged.
 */
public final class EmbeddedBroker implements AutoCloseable {

    private final KafkaRaftServer server;
    private final int port;

    private EmbeddedBroker(KafkaRaftServer server, int port) {
        this.server = server;
        this.port = port;
    }

    public static EmbeddedBroker start(Path dataDir, int port, int controllerPort) throws Exception {
        Files.createDirectories(dataDir);
        Map<String, Object> props = new HashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", dataDir.toAbsolutePath().toString());
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "6");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        // KIP-848 groups: a member that stops heartbeating (a dispatcher killed outright) loses its partitions
        // after this, so its tasks are taken over well within 30 s (the broker's default is 45 s)
        props.put("group.consumer.min.session.timeout.ms", "6000");
        props.put("group.consumer.session.timeout.ms", "10000");
        props.put("group.consumer.min.heartbeat.interval.ms", "1000");
        props.put("group.consumer.heartbeat.interval.ms", "2000");
        // topics are created by the services that own them, with their partition counts
        props.put("auto.create.topics.enable", "false");
        props.put("num.partitions", "1");
        KafkaConfig config = new KafkaConfig(props, false);

        // format once; on later starts the existing log (and every queued record) is kept
        if (!Files.exists(dataDir.resolve("meta.properties"))) {
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(1)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName("CONTROLLER")
                    .setMetadataLogDirectory(dataDir.toAbsolutePath().toString())
                    .addDirectory(dataDir.toAbsolutePath().toString())
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .run();
        }

        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        return new EmbeddedBroker(server, port);
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
